import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.js';
import { DLQ_HEADERS } from '../../src/pipeline/dlq.js';
import type { DeviceEvent, FileResultRecord } from '../../src/pipeline/records.js';
import { createSplitterStage } from '../../src/pipeline/splitter/splitter-stage.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { loadReference } from '../../src/core/reference/index.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { chunkHeaders } from '../../src/core/transfer/chunk-headers.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

describe('splitter stage on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let stop: () => Promise<void> = async () => undefined;
  let files: Awaited<ReturnType<typeof collect>>;
  let events: Awaited<ReturnType<typeof collect>>;
  let dlq: Awaited<ReturnType<typeof collect>>;
  const metrics = new PipelineMetrics();
  const openUploads = async (): Promise<number> => (await metrics.openUploads.get()).values[0]?.value ?? 0;
  const decodeFile = async (m: KafkaMessage) => (await world.registry.decode(m.value!)) as FileResultRecord;
  const results = async (): Promise<FileResultRecord[]> => Promise.all(files.messages.map(decodeFile));
  const finalFor = async (fileKey: string, pred: (r: FileResultRecord) => boolean): Promise<FileResultRecord> => {
    for (;;) {
      const r = (await results()).filter((x) => x.fileKey === fileKey && pred(x));
      if (r.length > 0) return r[r.length - 1]!;
      await files.until((ms) => ms.length > 0, 90_000);
      await new Promise((res) => setTimeout(res, 200));
    }
  };

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 3 });
    const stage = createSplitterStage({
      kafka: world.res.kafka, plan: world.plan, registry: world.registry, ref: loadReference(world.refDir),
      metrics, logger: createLogger({ level: 'warn' }),
    }, { groupId: `it-splitter-${Date.now()}`, devicesPerTransaction: 40, spoolBase: world.dir, sessionTimeoutMs: 10_000,
      transferTimeoutMs: 4000, expiryCheckMs: 500 });
    await stage.start();
    stop = () => stage.stop();
    files = await collect(world.res, topicName(world.plan, 'mcf.files'));
    events = await collect(world.res, topicName(world.plan, 'mcf.device-events'));
    dlq = await collect(world.res, topicName(world.plan, 'dlq'));
  });
  afterAll(async () => {
    await stop();
    await world?.res.close();
  });

  const producer = async () => {
    const p = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    world.res.onClose(() => p.disconnect());
    return p;
  };
  const chunks = () => topicName(world.plan, 'mcf.chunks');

  it('emits the device events of a verified file, exactly once, and records its result', async () => {
    const g = await world.gen('ok-file', { installations: 25 });
    const pub = await publishMcf(await producer(), chunks(), g.out, { chunkSize: 8 * 1024 });
    expect(pub.chunks).toBeGreaterThan(3);
    const result = await finalFor(pub.fileKey, (r) => r.emissionComplete);
    expect(result).toMatchObject({ status: 'accepted', errors: [], installations: 25, devices: g.devices, emittedInstallations: 25 });
    await events.until((ms) => ms.length >= g.devices);
    await new Promise((r) => setTimeout(r, 1500));
    const mine = (await Promise.all(events.messages.map(async (m) => (await world.registry.decode(m.value!)) as DeviceEvent))).filter((e) => e.fileKey === pub.fileKey);
    expect(mine.length).toBe(g.devices);
    const expected = JSON.parse(readFileSync(g.expectedPath, 'utf8')) as { installations: Array<{ installationId: string; devices: unknown[] }> };
    const ids = [...new Set(mine.map((e) => e.installationId))];
    expect(ids.sort()).toEqual(expected.installations.map((i) => i.installationId).sort());
    for (const inst of expected.installations) {
      const evs = mine.filter((e) => e.installationId === inst.installationId);
      expect(evs.map((e) => e.deviceIndex)).toEqual(inst.devices.map((_, i) => i));
      expect(evs.every((e) => e.deviceCount === inst.devices.length)).toBe(true);
    }
  });

  it('rejects a bad signature, a stale file and a duplicate key, with no device event visible', async () => {
    const before = events.messages.length;
    const bad = await world.gen('bad-sig', { installations: 5, defects: 'MCF_SIGNATURE_INVALID' });
    const stale = await world.gen('stale', { installations: 5, createdAt: new Date(Date.now() - 40 * 86_400_000) });
    const p = await producer();
    const a = await publishMcf(p, chunks(), bad.out, { chunkSize: 4096 });
    const b = await publishMcf(p, chunks(), stale.out, { chunkSize: 4096 });
    const again = await publishMcf(p, chunks(), `${world.dir}/ok-file.xml`, { chunkSize: 8 * 1024 });
    expect((await finalFor(a.fileKey, () => true)).errors.map((e) => e.code)).toEqual(['MCF_SIGNATURE_INVALID']);
    expect((await finalFor(b.fileKey, () => true)).errors.map((e) => e.code)).toEqual(['MCF_STALE']);
    const dup = await finalFor(again.fileKey, (r) => r.status === 'rejected');
    expect(dup.errors.map((e) => e.code)).toEqual(['MCF_DUPLICATE_FILE']);
    await new Promise((r) => setTimeout(r, 2000));
    expect(events.messages.length).toBe(before);
  });

  // Regression (audit, defect 1): the file key alone identified a file, so a signed file
  // re-sent under another key was accepted (and its devices emitted) a second time.
  it('MCF_KEY_MISMATCH: an accepted signed file re-sent under another key, and a new file under a wrong key, emit nothing', async () => {
    const before = events.messages.length;
    const fresh = await world.gen('wrong-key', { installations: 3 });
    const p = await producer();
    const replay = await publishMcf(p, chunks(), `${world.dir}/ok-file.xml`, { chunkSize: 8 * 1024, fileKey: '90b3d51f30010008/REPLAYED-1' });
    const wrong = await publishMcf(p, chunks(), fresh.out, { chunkSize: 4096, fileKey: 'not-its-key' });
    for (const key of [replay.fileKey, wrong.fileKey]) {
      const r = await finalFor(key, () => true);
      expect(r.status).toBe('rejected');
      expect(r.errors.map((e) => e.code)).toEqual(['MCF_KEY_MISMATCH']);
    }
    // A rejection does not use up the FileID: the same file under its own key is accepted.
    const own = await publishMcf(p, chunks(), fresh.out, { chunkSize: 4096 });
    const ok = await finalFor(own.fileKey, (r) => r.emissionComplete);
    expect(ok.status).toBe('accepted');
    await events.until((ms) => ms.length >= before + fresh.devices);
    await new Promise((r) => setTimeout(r, 1500));
    const keys = (await Promise.all(events.messages.slice(before).map(async (m) => ((await world.registry.decode(m.value!)) as DeviceEvent).fileKey)));
    expect(new Set(keys)).toEqual(new Set([own.fileKey]));
    expect(keys.length).toBe(fresh.devices);
  });

  it('rejects a corrupt chunk (MCF_CHECKSUM_MISMATCH) and a missing chunk (MCF_TRANSFER_INCOMPLETE)', async () => {
    const before = events.messages.length;
    const g = await world.gen('corrupt', { installations: 4 });
    const bytes = readFileSync(g.out);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const parts = [bytes.subarray(0, 3000), bytes.subarray(3000, 6000), bytes.subarray(6000)];
    const p = await producer();
    const send = (key: string, i: number, value: Buffer) =>
      p.send({ topic: chunks(), messages: [{ key, value, headers: chunkHeaders({ index: i, count: 3, sha256: sha }) }] });
    const tampered = Buffer.from(parts[1]!);
    tampered[10] = tampered[10]! ^ 1;
    await send('corrupt-key', 0, parts[0]!);
    await send('corrupt-key', 1, tampered);
    await send('corrupt-key', 2, parts[2]!);
    await send('gap-key', 0, parts[0]!);
    await send('gap-key', 2, parts[2]!);
    expect((await finalFor('corrupt-key', () => true)).errors.map((e) => e.code)).toEqual(['MCF_CHECKSUM_MISMATCH']);
    expect((await finalFor('gap-key', () => true)).errors.map((e) => e.code)).toEqual(['MCF_TRANSFER_INCOMPLETE']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(events.messages.length).toBe(before);
  });

  it('rejects an upload that does not complete within the transfer timeout (MCF_TRANSFER_INCOMPLETE)', async () => {
    const g = await world.gen('stalled', { installations: 3 });
    const bytes = readFileSync(g.out);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const p = await producer();
    // Chunk 0 of 2, then nothing: the stage's timer rejects the upload once the timeout passed.
    await p.send({ topic: chunks(), messages: [{ key: 'stalled-key', value: bytes.subarray(0, 1000), headers: chunkHeaders({ index: 0, count: 2, sha256: sha }) }] });
    for (let t = 0; t < 100 && (await openUploads()) === 0; t++) await new Promise((res) => setTimeout(res, 50));
    expect(await openUploads()).toBe(1);
    const r = await finalFor('stalled-key', () => true);
    expect(r.errors.map((e) => e.code)).toEqual(['MCF_TRANSFER_INCOMPLETE']);
    expect(r.errors[0]!.message).toMatch(/not complete within 4s/);
    // Regression (audit): the gauge stayed at 1 after the timeout until the next message arrived.
    expect(await openUploads()).toBe(0);
  });

  it('sends a poison chunk to the dead-letter topic and goes on', async () => {
    const p = await producer();
    await p.send({ topic: chunks(), messages: [{ key: 'poison', value: Buffer.from('no headers at all') }] });
    const [dead] = await dlq.until((ms) => ms.some((m) => m.key?.toString() === 'poison'));
    expect(dead?.headers?.[DLQ_HEADERS.reason]?.toString()).toMatch(/content-type/);
    expect(dead?.value?.toString()).toBe('no headers at all');
    const g = await world.gen('after-poison', { installations: 2 });
    const pub = await publishMcf(p, chunks(), g.out);
    expect((await finalFor(pub.fileKey, (r) => r.emissionComplete)).status).toBe('accepted');
  });

  it('sends a chunk whose key is not valid UTF-8 to the dead-letter topic', async () => {
    const g = await world.gen('bad-utf8-key', { installations: 1 });
    const bytes = readFileSync(g.out);
    const p = await producer();
    const key = Buffer.from([0x39, 0x30, 0xff, 0x2f, 0x46]);
    await p.send({ topic: chunks(), messages: [{ key, value: bytes, headers: chunkHeaders({ index: 0, count: 1, sha256: createHash('sha256').update(bytes).digest('hex') }) }] });
    const dead = (await dlq.until((ms) => ms.some((m) => m.key !== null && Buffer.compare(m.key, key) === 0))).find((m) => m.key !== null && Buffer.compare(m.key, key) === 0);
    expect(dead?.headers?.[DLQ_HEADERS.reason]?.toString()).toBe('chunk key is not valid UTF-8');
    expect(Buffer.compare(dead!.value!, bytes)).toBe(0);
  });
});
