/**
 * Issue 13: the cost of verifying the MCF signature with our P-256 code (src/core/crypto/p256.ts,
 * over the digest the streaming reader computes) against node:crypto, which can only verify
 * over the message itself (crypto.verify, or a createVerify fed as the file streams).
 *
 * Run: npm run build && node dist/bench/p256-verify.js [--rounds N] [--mib N]
 *
 * Interleaved: each round runs every case once (in a rotated order, so no case always runs
 * first or last), and the table gives each case's median over the rounds. Keys are imported
 * and signatures made before timing (production parses the file signers once, when the
 * reference is loaded). Part 1 is one verify of a short message (the primitive); part 2 is a
 * whole file of --mib MiB fed in 64 KiB chunks, as the reader sees it.
 */
import { createHash, createVerify, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { decodeDerSignature, decodeUncompressedPoint, verifyDigest, type AffinePoint } from '../src/core/crypto/p256.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, mib: { type: 'string', default: '16' } } });
const ROUNDS = Math.max(5, Number(values.rounds));
const MIB = Math.max(1, Number(values.mib));
const CHUNK = 64 * 1024;

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = publicKey.export({ type: 'spki', format: 'der' });
const point: AffinePoint = decodeUncompressedPoint(spki.subarray(spki.length - 65))!;

// Part 1: a short message (the hash is negligible: this is the ECDSA verify itself).
const SIGS = 16;
const shortMsgs = Array.from({ length: SIGS }, (_, i) => Buffer.from(`an MCF signed range stand-in, number ${i}`));
const shortSigs = shortMsgs.map((m) => sign('sha256', m, { key: privateKey, dsaEncoding: 'der' }));
const shortDigests = shortMsgs.map((m) => createHash('sha256').update(m).digest());
const sigB64 = shortSigs.map((s) => s.toString('base64'));

// Part 2: a file-sized signed range, in the reader's chunks.
const file = Buffer.alloc(MIB * 1024 * 1024);
for (let i = 0; i < file.length; i += 4) file.writeUInt32LE((i * 2654435761) >>> 0, i);
const chunks: Buffer[] = [];
for (let i = 0; i < file.length; i += CHUNK) chunks.push(file.subarray(i, i + CHUNK));
const fileSig = sign('sha256', file, { key: privateKey, dsaEncoding: 'der' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

function oursShort(i: number): boolean {
  const sig = decodeDerSignature(Buffer.from(sigB64[i % SIGS]!, 'base64'));
  return sig !== null && verifyDigest(point, shortDigests[i % SIGS]!, sig);
}
const nodeShort = (alg: 'sha256' | null) => (i: number): boolean =>
  verify(alg, shortMsgs[i % SIGS]!, { key: publicKey, dsaEncoding: 'der' }, shortSigs[i % SIGS]!);
function nodeStreamShort(i: number): boolean {
  return createVerify('sha256').update(shortMsgs[i % SIGS]!).verify({ key: publicKey, dsaEncoding: 'der' }, shortSigs[i % SIGS]!);
}

/** The reader's one SHA-256 over the chunks, then our verify of its digest. */
function fileOurs(): boolean {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  const sig = decodeDerSignature(fileSig);
  return sig !== null && verifyDigest(point, h.digest(), sig);
}
/** One createVerify per candidate signer, fed beside the reader (the reader's hash not counted). */
const fileNodeStream = (keys: KeyObject[]) => (): boolean => {
  const vs = keys.map(() => createVerify('sha256'));
  for (const c of chunks) for (const v of vs) v.update(c);
  return vs.map((v, k) => v.verify({ key: keys[k]!, dsaEncoding: 'der' }, fileSig)).some(Boolean);
};
/** The hash alone: what the reader pays already, with or without a signature check. */
function fileHashOnly(): boolean {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest().length === 32;
}

interface Case {
  readonly part: 1 | 2;
  readonly name: string;
  readonly iters: number;
  readonly run: (i: number) => boolean;
  readonly samples: number[];
}
const cases: Case[] = [
  { part: 1, name: 'p256.ts verifyDigest (DER decode + verify, digest given)', iters: 100, run: oursShort, samples: [] },
  { part: 1, name: "node crypto.verify('sha256', msg)", iters: 2000, run: nodeShort('sha256'), samples: [] },
  { part: 1, name: 'node crypto.verify(null, msg)', iters: 2000, run: nodeShort(null), samples: [] },
  { part: 1, name: "node createVerify('sha256').update(msg).verify", iters: 2000, run: nodeStreamShort, samples: [] },
  { part: 2, name: `SHA-256 of ${MIB} MiB only (the reader's hash, paid anyway)`, iters: 2, run: fileHashOnly, samples: [] },
  { part: 2, name: `SHA-256 of ${MIB} MiB + p256.ts verifyDigest`, iters: 2, run: fileOurs, samples: [] },
  { part: 2, name: `createVerify over ${MIB} MiB, 1 candidate signer`, iters: 2, run: fileNodeStream([publicKey]), samples: [] },
  { part: 2, name: `createVerify over ${MIB} MiB, 2 candidate signers`, iters: 2, run: fileNodeStream([other, publicKey]), samples: [] },
];

function timeCase(c: Case): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < c.iters; i++) if (!c.run(i)) throw new Error(`${c.name}: did not verify`);
  return Number(process.hrtime.bigint() - t0) / 1000 / c.iters;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

for (const c of cases) timeCase(c); // warm-up (JIT, OpenSSL's tables)
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < cases.length; k++) {
    const c = cases[(k + r) % cases.length]!;
    c.samples.push(timeCase(c));
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`p256 verify bench: Node ${process.version} (OpenSSL ${process.versions.openssl}), ${cpus().length} CPUs (${cpu}), ${ROUNDS} interleaved rounds, medians`);
const fmt = (us: number): string => (us >= 1000 ? us.toFixed(0) : us.toFixed(1));
for (const part of [1, 2] as const) {
  const rows = cases.filter((c) => c.part === part);
  const base = median(rows[part === 1 ? 1 : 0]!.samples);
  console.log(part === 1
    ? '\nOne verify of a short message, µs per verify (ratio to node crypto.verify)'
    : `\nOne ${MIB} MiB file in ${CHUNK / 1024} KiB chunks, µs per file (ratio to the hash alone)`);
  console.log(`| case | median µs | min µs | max µs | ratio |\n|---|---:|---:|---:|---:|`);
  for (const c of rows) {
    const m = median(c.samples);
    console.log(`| ${c.name} | ${fmt(m)} | ${fmt(Math.min(...c.samples))} | ${fmt(Math.max(...c.samples))} | ${(m / base).toFixed(2)} |`);
  }
}
