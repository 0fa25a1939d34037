/**
 * Looking for secrets in bytes (issue 13, "Security"): each secret in every encoding it
 * could leak in, and one pass over each haystack for all of them (Rabin-Karp over a
 * 16-byte window), so thousands of needles over tens of megabytes of logs stay cheap.
 * Independent of the product: only node:crypto and the specification.
 */
import { createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';

/** One secret in one encoding. */
export interface Needle {
  /** What the secret is, `<kind>:<which>`, e.g. `credential-value:00db123456789001/master` (never the value itself). */
  readonly secret: string;
  /** How it is written, e.g. `hex`, `base64@1`, `raw`. */
  readonly encoding: string;
  readonly bytes: Buffer;
}

export interface Haystack {
  /** Where the bytes come from, e.g. `log processor-1 line 812`, `topic x partition 2 offset 7 value`. */
  readonly where: string;
  readonly bytes: Buffer;
}

export interface Finding {
  readonly secret: string;
  readonly encoding: string;
  readonly where: string;
  readonly at: number;
}

/** The search window: every needle is at least this long (short needles would match by chance). */
export const WINDOW = 16;

/**
 * The base64 text of `bytes` as it reads inside any longer base64 text: for each of the three
 * alignments, the characters that carry only bits of `bytes` (the partial edge ones cut).
 */
export function base64Anywhere(bytes: Buffer, alphabet: 'base64' | 'base64url' = 'base64'): string[] {
  return [0, 1, 2].map((k) => Buffer.concat([Buffer.alloc(k), bytes]).toString(alphabet).slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
}

/** A binary secret (a private scalar, an ECDH secret, a derived key, a credential value's bytes): raw, hex both cases, base64 and base64url at every alignment. */
export function binaryNeedles(secret: string, bytes: Buffer): Needle[] {
  const hex = bytes.toString('hex');
  return [
    { secret, encoding: 'raw', bytes: Buffer.from(bytes) },
    { secret, encoding: 'hex', bytes: Buffer.from(hex) },
    { secret, encoding: 'HEX', bytes: Buffer.from(hex.toUpperCase()) },
    ...base64Anywhere(bytes).map((t, k) => ({ secret, encoding: `base64@${k}`, bytes: Buffer.from(t) })),
    ...base64Anywhere(bytes, 'base64url').map((t, k) => ({ secret, encoding: `base64url@${k}`, bytes: Buffer.from(t) })),
  ];
}

/** A textual secret (a hex credential value, a plaintext, a PEM): as written, JSON-escaped, and the base64 of its UTF-8 at every alignment. */
export function textNeedles(secret: string, text: string): Needle[] {
  const escaped = JSON.stringify(text).slice(1, -1);
  return [
    { secret, encoding: 'text', bytes: Buffer.from(text) },
    ...(escaped !== text ? [{ secret, encoding: 'json-escaped', bytes: Buffer.from(escaped) }] : []),
    ...base64Anywhere(Buffer.from(text)).map((t, k) => ({ secret, encoding: `text-base64@${k}`, bytes: Buffer.from(t) })),
  ];
}

/**
 * A PKCS#8 private key file: its PEM text, its base64 body in one piece, each body line that
 * carries bits of the private scalar (the last line of a P-256 key holds only the public point,
 * which is public: it is in the certificate), and the scalar itself as a binary secret.
 */
export function privateKeyNeedles(file: string, pem: string): { needles: Needle[]; scalar: Buffer } {
  const name = `private-key:${file}`;
  const key = createPrivateKey(pem);
  const scalar = Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const lines = pem.trim().split(/\r?\n/).filter((l) => !l.startsWith('-----'));
  const start = der.indexOf(scalar);
  if (start < 0 || lines.join('') !== der.toString('base64')) throw new Error(`${name}: not the PKCS#8 PEM expected`);
  const [first, last] = [Math.floor((start * 8) / 6), Math.ceil(((start + scalar.length) * 8) / 6)];
  const needles: Needle[] = [
    ...textNeedles(name, pem),
    { secret: name, encoding: 'pem-body', bytes: Buffer.from(lines.join('')) },
    ...lines.flatMap((l, i) => (i * 64 < last && (i + 1) * 64 > first ? [{ secret: name, encoding: `pem-line-${i + 1}`, bytes: Buffer.from(l) }] : [])),
    ...binaryNeedles(`private-scalar:${file}`, scalar),
  ];
  return { needles, scalar };
}

/** What a credential blob yields on the way to its plaintext (mcf-format.md, "Credential blob"). */
export interface CredentialSecrets {
  readonly deviceId: string;
  /** The ECDH shared secret Z (x coordinate). */
  readonly z: Buffer;
  /** K = HKDF-SHA256(Z, salt empty, "s1mig-credential-v1:" || id, 32). */
  readonly k: Buffer;
  /** The plaintext, or null when the tag fails (a DEV_CREDENTIAL_INVALID blob). */
  readonly plaintext: Buffer | null;
}

/**
 * Decrypts a credential as the specification describes, with node:crypto's own ECDH on key
 * objects (`diffieHellman`), HKDF and AES-256-GCM: none of the product's credential code.
 */
export function decryptCredentialIndependently(keyAgreement: KeyObject, canonicalId: string, base64: string): CredentialSecrets {
  const blob = Buffer.from(base64.replace(/\s+/g, ''), 'base64');
  const epk = blob.subarray(0, 65);
  if (blob.length < 94 || epk[0] !== 0x04) throw new Error(`${canonicalId}: not a credential blob`);
  const publicKey = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: epk.subarray(1, 33).toString('base64url'), y: epk.subarray(33, 65).toString('base64url') } });
  const z = diffieHellman({ privateKey: keyAgreement, publicKey });
  const k = Buffer.from(hkdfSync('sha256', z, Buffer.alloc(0), Buffer.from(`s1mig-credential-v1:${canonicalId}`, 'ascii'), 32));
  let plaintext: Buffer | null = null;
  try {
    const d = createDecipheriv('aes-256-gcm', k, blob.subarray(65, 77), { authTagLength: 16 });
    d.setAAD(Buffer.from(canonicalId, 'ascii'));
    d.setAuthTag(blob.subarray(blob.length - 16));
    plaintext = Buffer.concat([d.update(blob.subarray(77, blob.length - 16)), d.final()]);
  } catch {
    plaintext = null;
  }
  return { deviceId: canonicalId, z, k, plaintext };
}

const BASE = 0x01000193;

/** All needles at once over any number of haystacks. */
export class SecretSearch {
  private readonly byHash = new Map<number, Needle[]>();
  private readonly shift: number;

  constructor(readonly needles: readonly Needle[]) {
    let shift = 1;
    for (let i = 1; i < WINDOW; i++) shift = Math.imul(shift, BASE);
    this.shift = shift;
    for (const n of needles) {
      if (n.bytes.length < WINDOW) throw new Error(`needle ${n.secret} ${n.encoding} is shorter than ${WINDOW} bytes`);
      const h = hashAt(n.bytes, 0);
      this.byHash.set(h, [...(this.byHash.get(h) ?? []), n]);
    }
  }

  find(hay: Haystack): Finding[] {
    const b = hay.bytes;
    const found: Finding[] = [];
    if (b.length < WINDOW) return found;
    let h = hashAt(b, 0);
    for (let i = 0; ; i++) {
      const candidates = this.byHash.get(h);
      if (candidates !== undefined) {
        for (const n of candidates) {
          if (i + n.bytes.length <= b.length && b.compare(n.bytes, 0, n.bytes.length, i, i + n.bytes.length) === 0) {
            found.push({ secret: n.secret, encoding: n.encoding, where: hay.where, at: i });
          }
        }
      }
      if (i + WINDOW >= b.length) return found;
      h = (Math.imul((h - Math.imul(b[i]!, this.shift)) | 0, BASE) + b[i + WINDOW]!) | 0;
    }
  }

  findAll(hays: Iterable<Haystack>): Finding[] {
    const out: Finding[] = [];
    for (const hay of hays) out.push(...this.find(hay));
    return out;
  }
}

function hashAt(b: Buffer, at: number): number {
  let h = 0;
  for (let j = 0; j < WINDOW; j++) h = (Math.imul(h, BASE) + b[at + j]!) | 0;
  return h;
}
