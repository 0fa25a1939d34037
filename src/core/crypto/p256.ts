/**
 * NIST P-256 arithmetic and ECDSA verification of a precomputed SHA-256 digest, in pure
 * TypeScript. Node's crypto can only verify over the message itself, and the file signature
 * is computed over a digest the streaming reader has already produced. It runs once per
 * file, so clarity beats speed; it handles only public data (no constant-time concerns).
 */
import { TAG, readChildrenOf, readPositiveBigInt, readSingle } from '../der/reader.js';

export const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
export const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Inverse modulo a prime (both P and N are prime). */
function modInv(a: bigint, m: bigint): bigint {
  return modPow(a, m - 2n, m);
}

function isOnCurveXY(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  // One reduction: a negative multiple of P also leaves remainder 0n.
  return ((x * x - 3n) * x + B - y * y) % P === 0n;
}

export function isOnCurve(pt: AffinePoint): boolean {
  return isOnCurveXY(pt.x, pt.y);
}

// 32 bits per step: every device certificate key is decoded on the hot path, and this is
// several times cheaper than a byte-by-byte shift loop or a parse of the hex text (which
// needs a Buffer view and a string per call). A BigInt-free check with Number limbs was
// tried and measured no faster.
function bytesToBigInt(bytes: Uint8Array, start: number, end: number): bigint {
  let v = 0n;
  let i = start;
  const head = start + ((end - start) % 4);
  if (head > start) {
    let w = 0;
    for (; i < head; i++) w = w * 256 + bytes[i]!;
    v = BigInt(w);
  }
  for (; i < end; i += 4) {
    v = (v << 32n) | BigInt(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  }
  return v;
}

/** Decodes a 65-byte uncompressed point (0x04 || X || Y); null when not a point on P-256. */
export function decodeUncompressedPoint(bytes: Uint8Array): AffinePoint | null {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return null;
  const pt = { x: bytesToBigInt(bytes, 1, 33), y: bytesToBigInt(bytes, 33, 65) };
  return isOnCurve(pt) ? pt : null;
}

/** decodeUncompressedPoint(bytes.subarray(start, end)) !== null, without the view and the point. */
export function isUncompressedPointAt(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 65 || bytes[start] !== 0x04) return false;
  return isOnCurveXY(bytesToBigInt(bytes, start + 1, start + 33), bytesToBigInt(bytes, start + 33, end));
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

function double(p: Jacobian): Jacobian {
  if (p.z === 0n || p.y === 0n) return INFINITY;
  const delta = (p.z * p.z) % P;
  const gamma = (p.y * p.y) % P;
  const beta = (p.x * gamma) % P;
  const alpha = mod(3n * (p.x - delta) * (p.x + delta), P);
  const x3 = mod(alpha * alpha - 8n * beta, P);
  const z3 = mod((p.y + p.z) * (p.y + p.z) - gamma - delta, P);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, P);
  return { x: x3, y: y3, z: z3 };
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const z1z1 = (p.z * p.z) % P;
  const z2z2 = (q.z * q.z) % P;
  const u1 = (p.x * z2z2) % P;
  const u2 = (q.x * z1z1) % P;
  const s1 = (p.y * q.z * z2z2) % P;
  const s2 = (q.y * p.z * z1z1) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1, P);
  const i = (4n * h * h) % P;
  const j = (h * i) % P;
  const r = mod(2n * (s2 - s1), P);
  const v = (u1 * i) % P;
  const x3 = mod(r * r - j - 2n * v, P);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, P);
  const z3 = mod(((p.z + q.z) * (p.z + q.z) - z1z1 - z2z2) * h, P);
  return { x: x3, y: y3, z: z3 };
}

/** u1*G + u2*Q with Shamir's trick. */
function doubleScalarMul(u1: bigint, u2: bigint, q: AffinePoint): Jacobian {
  const g: Jacobian = { x: GX, y: GY, z: 1n };
  const qj: Jacobian = { x: q.x, y: q.y, z: 1n };
  const gq = add(g, qj);
  let acc = INFINITY;
  for (let bit = 255n; bit >= 0n; bit--) {
    acc = double(acc);
    const b1 = (u1 >> bit) & 1n;
    const b2 = (u2 >> bit) & 1n;
    if (b1 && b2) acc = add(acc, gq);
    else if (b1) acc = add(acc, g);
    else if (b2) acc = add(acc, qj);
  }
  return acc;
}

export interface EcdsaSignature {
  readonly r: bigint;
  readonly s: bigint;
}

/** DER Ecdsa-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }), exactly, with 1 <= r, s < n. */
export function decodeDerSignature(der: Uint8Array): EcdsaSignature | null {
  const root = readSingle(der);
  const parts = root === null ? null : readChildrenOf(der, root, TAG.SEQUENCE);
  if (parts === null || parts.length !== 2) return null;
  const r = readPositiveBigInt(der, parts[0]!);
  const s = readPositiveBigInt(der, parts[1]!);
  if (r === null || s === null || r >= N || s >= N) return null;
  return { r, s };
}

/** ECDSA P-256 verification of a SHA-256 digest (32 bytes) under a public point. */
export function verifyDigest(pub: AffinePoint, digest: Uint8Array, sig: EcdsaSignature): boolean {
  if (digest.length !== 32 || !isOnCurve(pub)) return false;
  const { r, s } = sig;
  if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
  const e = bytesToBigInt(digest, 0, 32);
  const w = modInv(s, N);
  const rp = doubleScalarMul(mod(e * w, N), mod(r * w, N), pub);
  if (rp.z === 0n) return false;
  const zInv = modInv(rp.z, P);
  const x = (rp.x * zInv * zInv) % P;
  return mod(x, N) === r;
}
