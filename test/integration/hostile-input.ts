/**
 * Test helper (not a test): hostile input for the pipeline's topics (issue 13) and what
 * each must come to. Malformed chunk runs for the input topic (bad headers, wrong counts,
 * indexes out of order or twice, a value that is no file) and garbage records for the
 * internal topics the stages consume; each case says its verdict: a dead letter of a given
 * stage and reason, or a coded rejection of a given file key. Used by
 * hostile-input.test.ts (a handful, npm test) and test/heavy/fuzz-volume.test.ts (volume).
 */
import { createHash } from 'node:crypto';
import type { KafkaMessage, Message } from 'kafkajs';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { chunkHeaders, CHUNK_HEADERS, MCF_CONTENT_TYPE } from '../../src/core/transfer/chunk-headers.js';
import { DLQ_HEADERS } from '../../src/pipeline/dlq.js';
import type { FileResultRecord } from '../../src/pipeline/records.js';
import type { World } from './processor-runner.js';

export type Verdict =
  /** A dead letter written by `stage`, whose reason matches. */
  | { dlq: { stage: string; reason: RegExp } }
  /** A rejection of the file key with exactly these codes. */
  | { rejected: { fileKey: string; codes: string[] } }
  /** Accepted (an identical re-send of a chunk is ignored). */
  | { accepted: { fileKey: string } };

export interface HostileCase {
  readonly name: string;
  /** Internal topic name (without prefix) and the records, sent in order. */
  readonly topic: string;
  readonly messages: Message[];
  readonly verdicts: Verdict[];
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Cuts `bytes` into `n` chunks (the last takes the rest). */
export function cut(bytes: Buffer, n: number): Buffer[] {
  const size = Math.ceil(bytes.length / n);
  return Array.from({ length: n }, (_, i) => bytes.subarray(i * size, i === n - 1 ? bytes.length : (i + 1) * size));
}

/** Chunk messages of a whole file under `key`, as `publish` writes them. */
export function chunkMessages(key: string, bytes: Buffer, n: number): Message[] {
  const parts = cut(bytes, n);
  const sha = sha256(bytes);
  return parts.map((value, index) => ({ key, value, headers: chunkHeaders({ index, count: n, sha256: sha }) }));
}

/**
 * Malformed chunks of the input topic, made from a good file (`bytes`, published under keys
 * derived from `tag`, so cases never share an upload). Each gets a dead letter (a chunk that
 * is no chunk) or a coded rejection of its upload (validation.md step 0, or the file's own
 * verdict for bytes that are no MCF).
 */
export function malformedChunkCases(tag: string, bytes: Buffer): HostileCase[] {
  const sha = sha256(bytes);
  const [a, b, c] = cut(bytes, 3) as [Buffer, Buffer, Buffer];
  const h = (index: number, count = 3, extra: Record<string, string> = {}): Record<string, string> => ({ ...chunkHeaders({ index, count, sha256: sha }), ...extra });
  const k = (what: string): string => `${tag}/${what}`;
  const poison = (name: string, m: Message, reason: RegExp): HostileCase => ({ name, topic: 'mcf.chunks', messages: [m], verdicts: [{ dlq: { stage: 'splitter', reason } }] });
  const flipped = Buffer.from(b);
  flipped[0] = flipped[0]! ^ 0x20;
  const garbage = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 131 + 7) & 255));
  return [
    poison('no key', { key: null, value: a, headers: h(0) }, /without a file key/),
    poison('key over 200 characters', { key: 'k'.repeat(201), value: a, headers: h(0) }, /longer than 200/),
    poison('no value', { key: k('novalue'), value: null, headers: h(0) }, /without a value/),
    poison('content type of another kind', { key: k('ctype'), value: a, headers: h(0, 3, { [CHUNK_HEADERS.contentType]: 'application/zip' }) }, /content-type is 'application\/zip'/),
    poison('index not decimal', { key: k('index'), value: a, headers: h(0, 3, { [CHUNK_HEADERS.index]: '0x1' }) }, /not a decimal index/),
    poison('index negative', { key: k('negindex'), value: a, headers: h(0, 3, { [CHUNK_HEADERS.index]: '-1' }) }, /not a decimal index/),
    poison('index beyond 10 digits', { key: k('bigindex'), value: a, headers: h(0, 3, { [CHUNK_HEADERS.index]: '99999999999' }) }, /not a decimal index/),
    poison('count zero', { key: k('count0'), value: a, headers: h(0, 0) }, /not a positive decimal count/),
    poison('index not below the count', { key: k('index3'), value: a, headers: h(3, 3) }, /not below the chunk count/),
    poison('sha256 in capitals', { key: k('shacase'), value: a, headers: h(0, 3, { [CHUNK_HEADERS.sha256]: sha.toUpperCase() }) }, /64 lowercase hex/),
    poison('sha256 short', { key: k('shashort'), value: a, headers: h(0, 3, { [CHUNK_HEADERS.sha256]: sha.slice(2) }) }, /64 lowercase hex/),
    poison('header bytes not ASCII', { key: k('hdrbytes'), value: a, headers: { ...h(0), [CHUNK_HEADERS.index]: Buffer.from([0xff, 0xfe]) } }, /not a decimal index/),
    {
      name: 'one index twice with different bytes', topic: 'mcf.chunks',
      messages: [{ key: k('twice'), value: a, headers: h(0) }, { key: k('twice'), value: b, headers: h(1) }, { key: k('twice'), value: flipped, headers: h(1) }, { key: k('twice'), value: c, headers: h(2) }],
      verdicts: [{ rejected: { fileKey: k('twice'), codes: ['MCF_CHECKSUM_MISMATCH'] } }],
    },
    {
      name: 'a chunk announcing another count', topic: 'mcf.chunks',
      messages: [{ key: k('recount'), value: a, headers: h(0) }, { key: k('recount'), value: b, headers: h(1, 4) }],
      verdicts: [{ rejected: { fileKey: k('recount'), codes: ['MCF_CHECKSUM_MISMATCH'] } }],
    },
    {
      name: 'chunks out of order (0, 2, 1)', topic: 'mcf.chunks',
      messages: [{ key: k('order'), value: a, headers: h(0) }, { key: k('order'), value: c, headers: h(2) }, { key: k('order'), value: b, headers: h(1) }],
      verdicts: [{ rejected: { fileKey: k('order'), codes: ['MCF_TRANSFER_INCOMPLETE'] } }],
    },
    {
      name: 'the chunks of another file under its sha256', topic: 'mcf.chunks',
      messages: [{ key: k('othersha'), value: a, headers: h(0) }, { key: k('othersha'), value: b, headers: h(1) }, { key: k('othersha'), value: a, headers: h(2) }],
      verdicts: [{ rejected: { fileKey: k('othersha'), codes: ['MCF_CHECKSUM_MISMATCH'] } }],
    },
    {
      name: 'a run of garbage bytes that is complete and checksummed', topic: 'mcf.chunks',
      messages: chunkMessages(k('garbage'), garbage, 2),
      verdicts: [{ rejected: { fileKey: k('garbage'), codes: ['MCF_MALFORMED'] } }],
    },
    {
      name: 'an empty file in one empty chunk', topic: 'mcf.chunks',
      messages: [{ key: k('empty'), value: Buffer.alloc(0), headers: chunkHeaders({ index: 0, count: 1, sha256: sha256(Buffer.alloc(0)) }) }],
      verdicts: [{ rejected: { fileKey: k('empty'), codes: ['MCF_MALFORMED'] } }],
    },
  ];
}

/** Garbage on the internal topics the stages consume: each is one dead letter of that stage. */
export function internalGarbageCases(tag: string): HostileCase[] {
  const unknownSchema = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('avro bytes of no schema')]);
  return [
    { name: 'device event that is no Avro', topic: 'mcf.device-events', messages: [{ key: `${tag}/events|I1`, value: Buffer.from(`not an avro record ${tag}`) }],
      verdicts: [{ dlq: { stage: 'validator', reason: /undecodable|not a registry-framed/ } }] },
    { name: 'device event of an unknown schema id', topic: 'mcf.device-events', messages: [{ key: `${tag}/events|I2`, value: unknownSchema }],
      verdicts: [{ dlq: { stage: 'validator', reason: /not in the registry/ } }] },
    { name: 'device event without a value', topic: 'mcf.device-events', messages: [{ key: `${tag}/events|I3`, value: null }],
      verdicts: [{ dlq: { stage: 'validator', reason: /./ } }] },
    { name: 'enrolment request that is no Avro', topic: 'enrolment.lanes', messages: [{ key: 'MDS', value: Buffer.from(`\u0000garbage ${tag}`), partition: 0 }],
      verdicts: [{ dlq: { stage: 'enrolment', reason: /undecodable enrolment request/ } }] },
  ];
}

/** The dead letters of `msgs` as (stage, reason, origin topic, key). */
export function deadLetters(msgs: readonly KafkaMessage[]): Array<{ stage: string; reason: string; topic: string; key: string | null; value: Buffer | null }> {
  return msgs.map((m) => ({
    stage: m.headers?.[DLQ_HEADERS.stage]?.toString() ?? '',
    reason: m.headers?.[DLQ_HEADERS.reason]?.toString() ?? '',
    topic: m.headers?.[DLQ_HEADERS.topic]?.toString() ?? '',
    key: m.key === null ? null : m.key.toString('latin1'),
    value: m.value,
  }));
}

/**
 * Checks every case's verdicts against the dead letters and the file results read so far;
 * returns what is still missing (empty: all came). A dead letter is matched to its case by
 * origin topic, key and value bytes, so one case cannot take another's letter.
 */
export function missingVerdicts(world: World, cases: readonly HostileCase[], letters: ReturnType<typeof deadLetters>, results: readonly FileResultRecord[]): string[] {
  const missing: string[] = [];
  for (const c of cases) {
    for (const v of c.verdicts) {
      if ('dlq' in v) {
        const origin = topicName(world.plan, c.topic);
        const m = c.messages[0]!;
        const key = m.key === null || m.key === undefined ? null : Buffer.from(m.key).toString('latin1');
        const value = m.value === null || m.value === undefined ? null : Buffer.from(m.value);
        const found = letters.find((l) => l.topic === origin && l.key === key && (value === null ? l.value === null : l.value !== null && l.value.equals(value)));
        if (found === undefined) missing.push(`${c.name}: no dead letter`);
        else if (found.stage !== v.dlq.stage || !v.dlq.reason.test(found.reason)) missing.push(`${c.name}: dead letter of ${found.stage}, '${found.reason}'`);
      } else if ('rejected' in v) {
        const r = results.filter((x) => x.fileKey === v.rejected.fileKey);
        if (r.length === 0) missing.push(`${c.name}: no file result`);
        else if (r.some((x) => x.status !== 'rejected' || x.errors.map((e) => e.code).join() !== v.rejected.codes.join())) {
          missing.push(`${c.name}: ${JSON.stringify(r.map((x) => [x.status, x.errors.map((e) => e.code)]))}`);
        }
      } else {
        const r = results.filter((x) => x.fileKey === v.accepted.fileKey);
        if (!r.some((x) => x.status === 'accepted' && x.emissionComplete)) missing.push(`${c.name}: not accepted (${JSON.stringify(r.map((x) => x.status))})`);
      }
    }
  }
  return missing;
}

/** The processor's metrics URL, from what `s1mig run` prints at start. */
export function metricsUrl(log: string): string | null {
  return /metrics (http:\/\/\S+\/metrics)/.exec(log)?.[1] ?? null;
}

/** Sum of a metric's samples (every label set) in a Prometheus text page. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

export { MCF_CONTENT_TYPE };
