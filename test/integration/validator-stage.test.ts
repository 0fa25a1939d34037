import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command as reportCommand } from '../../src/cli/commands/report.js';
import type { DeviceCryptoChecker } from '../../src/core/contracts/device-crypto.js';
import { createInThreadChecker } from '../../src/core/device-crypto/index.js';
import { S1migError } from '../../src/core/errors/s1mig-error.js';
import { silentLogger } from '../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.js';
import { recordCodec } from '../../src/pipeline/codecs.js';
import { DLQ_HEADERS } from '../../src/pipeline/dlq.js';
import { fileResultKey, installationKey, type DeviceEvent, type FileResultRecord, type InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { createValidatorStage, type ValidatorStage } from '../../src/pipeline/validator/validator-stage.js';
import { loadReference } from '../../src/core/reference/index.js';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { applySchemas } from '../../src/adapters/registry/schemas.js';
import { applyTopics } from '../../src/adapters/topics/apply.js';
import { loadTopicDefinitions, topicName, topicPlan } from '../../src/adapters/topics/definitions.js';
import { vectorEvents, withoutMessages } from '../unit/pipeline/validator/vector-events.js';
import { readAll, Resources, testConfig } from './helpers.js';

// test/integration/ -> /work/main -> /work/shared
const VECTORS = fileURLToPath(new URL('../../../shared/fixtures/mcf-vectors/', import.meta.url));
const REF = `${VECTORS}ref`;

describe('validator stage against the local broker and registry', () => {
  const config = testConfig();
  const res = new Resources(config);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  res.registerTopics(plan.map((p) => p.topic));
  const registry = createRegistry(config);
  const checker = createInThreadChecker(REF);
  const ref = loadReference(REF);
  const expected = JSON.parse(readFileSync(`${VECTORS}mixed-outcomes.expected.json`, 'utf8')) as Record<string, unknown> & { installations: unknown[] };
  const stages: ValidatorStage[] = [];
  const metrics = new PipelineMetrics(new Registry());
  const newStage = (): ValidatorStage => {
    const s = createValidatorStage({ kafka: res.kafka, config, plan, registry, checker, ref, metrics, logger: silentLogger },
      { retryBackoffMs: 100, sessionTimeoutMs: 10_000, heartbeatMs: 1000 });
    stages.push(s);
    return s;
  };

  beforeAll(async () => {
    const admin = await res.getAdmin();
    await applyTopics(admin, plan);
    await applySchemas(registry, plan);
  });
  afterAll(async () => {
    for (const s of stages) await s.stop().catch(() => undefined);
    await checker.close();
    await res.close();
  });

  it('writes the vector\'s installation outcomes exactly once, and dead-letters poison without stopping', async () => {
    const vec = await vectorEvents(`${VECTORS}mixed-outcomes.xml`);
    const events = await recordCodec<DeviceEvent>(registry, plan, 'mcf.device-events');
    const producer = res.kafka.producer({ idempotent: true });
    await producer.connect();
    const send = async (evs: DeviceEvent[]) => producer.send({
      topic: events.topic,
      messages: await Promise.all(evs.map(async (e) => ({ key: installationKey(e.fileKey, e.installationId), value: await events.encode(e) }))),
    });
    const [first, ...rest] = vec.installations as [DeviceEvent[], ...DeviceEvent[][]];
    // Poison first: bytes that are no Avro record, and the start of an installation that never completes.
    await producer.send({ topic: events.topic, messages: [{ key: installationKey(vec.fileKey, first[0]!.installationId), value: Buffer.from('not an avro record') }] });
    await send(first);
    const broken = { ...first[0]!, installationId: 'BROKEN' };
    await send([broken]);
    for (const evs of rest) await send(evs);
    await producer.disconnect();

    const stage = newStage();
    await stage.start();
    const outcomes = await recordCodec<InstallationOutcomeRecord>(registry, plan, 'mcf.installation-outcomes');
    const got = await readAll(res, outcomes.topic, { expected: vec.installations.length, timeoutMs: 60_000, settleMs: 3000 });
    const records = await Promise.all(got.map((m) => outcomes.decode(m.value!)));
    records.sort((a, b) => a.installationIndex - b.installationIndex);
    expect(records).toHaveLength(expected.installations.length);
    const asReport = records.map((r) => ({ installationId: r.installationId, status: r.status, errors: r.errors, devices: r.devices }));
    expect(withoutMessages(asReport)).toEqual(withoutMessages(expected.installations));
    expect(got.map((m) => m.key?.toString()).sort()).toEqual(records.map((r) => installationKey(vec.fileKey, r.installationId)).sort());
    expect(records.every((r) => r.fileKey === vec.fileKey && r.stage === 'validation' && r.attempt === 0)).toBe(true);

    const dead = await readAll(res, topicName(plan, 'dlq'), { expected: 2, timeoutMs: 30_000 });
    const reasons = dead.map((m) => m.headers?.[DLQ_HEADERS.reason]?.toString() ?? '');
    expect(reasons).toHaveLength(2);
    expect(reasons.some((r) => /undecodable|not an Avro/.test(r))).toBe(true);
    expect(reasons.some((r) => /BROKEN.*interrupted/.test(r))).toBe(true);
    expect(dead.map((m) => m.headers?.[DLQ_HEADERS.topic]?.toString())).toEqual([events.topic, events.topic]);
    expect(dead.some((m) => m.value?.toString() === 'not an avro record')).toBe(true);

    // A restart of the group reads nothing again: the offsets were committed with the outputs.
    await stage.stop();
    const again = newStage();
    await again.start();
    await new Promise((r) => setTimeout(r, 5000));
    await again.stop();
    expect(await readAll(res, outcomes.topic, { expected: records.length, settleMs: 2000 })).toHaveLength(records.length);
    expect(await readAll(res, topicName(plan, 'dlq'), { expected: 2, settleMs: 1000 })).toHaveLength(2);
  });

  it('report prints the validate --json shape from the files and outcomes topics', async () => {
    const files = await recordCodec<FileResultRecord>(registry, plan, 'mcf.files');
    const vec = await vectorEvents(`${VECTORS}mixed-outcomes.xml`);
    const accepted: FileResultRecord = {
      fileKey: vec.fileKey, fileId: vec.header.fileId, smso: vec.header.smso, requestingParty: vec.header.requestingParty,
      purpose: vec.header.purpose, status: 'accepted', errors: [], installations: vec.installations.length,
      devices: vec.installations.flat().length, sha256: null, upload: 'u1', emittedInstallations: vec.installations.length, emittedDevices: 0,
      emissionComplete: true, receivedAtMs: 1, decidedAtMs: 2,
    };
    const producer = res.kafka.producer();
    await producer.connect();
    await producer.send({ topic: files.topic, messages: [{ key: fileResultKey(accepted), value: await files.encode(accepted) }] });
    await producer.disconnect();

    const out: string[] = [];
    const err: string[] = [];
    const prefix = process.env['S1MIG_TOPIC_PREFIX'];
    process.env['S1MIG_TOPIC_PREFIX'] = config.topics.prefix;
    const w1 = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (out.push(String(chunk)), true));
    const w2 = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (err.push(String(chunk)), true));
    let status: number;
    let unknown: number;
    try {
      status = await reportCommand.run([vec.header.fileId, '--json']);
      unknown = await reportCommand.run(['NO-SUCH-FILE', '--json']);
    } finally {
      w1.mockRestore();
      w2.mockRestore();
      if (prefix === undefined) delete process.env['S1MIG_TOPIC_PREFIX'];
      else process.env['S1MIG_TOPIC_PREFIX'] = prefix;
    }
    expect(err.join('')).toMatch(/no file NO-SUCH-FILE/);
    expect(status).toBe(0);
    expect(unknown).toBe(1);
    const { fileKey, state, progress, uploads, ...doc } = JSON.parse(out.join('')) as Record<string, unknown>;
    expect(withoutMessages(doc)).toEqual(withoutMessages(expected));
    // The spec's keys in the spec's order, then what `report` adds after them.
    expect(Object.keys(doc)).toEqual(Object.keys(expected));
    expect(Object.keys(JSON.parse(out.join('')) as object).slice(-4)).toEqual(['fileKey', 'state', 'progress', 'uploads']);
    expect({ fileKey, state, progress, uploads: (uploads as Array<{ upload: string; status: string }>).map((u) => [u.upload, u.status]) }).toEqual({
      fileKey: vec.fileKey, state: 'complete', progress: { done: 4, total: 4, detail: 'complete: 4 installations' }, uploads: [['u1', 'accepted']] });
  });
});

describe('validator stage recovery', () => {
  const config = testConfig();
  const res = new Resources(config);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  res.registerTopics(plan.map((p) => p.topic));
  const registry = createRegistry(config);
  const inner = createInThreadChecker(REF);
  let failures = 1;
  // The worker pool fails once: the batch is retried from the committed offset, nothing is lost or doubled.
  const flaky: DeviceCryptoChecker = {
    check: async (b) => {
      if (failures-- > 0) throw new S1migError('WORKER_FAILED', 'injected worker failure');
      return inner.check(b);
    },
    close: () => inner.close(),
  };
  let stage: ValidatorStage | null = null;
  afterAll(async () => {
    await stage?.stop().catch(() => undefined);
    await inner.close();
    await res.close();
  });

  it('retries a batch after a transient checker failure and still writes every outcome once', async () => {
    const admin = await res.getAdmin();
    await applyTopics(admin, plan);
    await applySchemas(registry, plan);
    const vec = await vectorEvents(`${VECTORS}mixed-outcomes.xml`);
    const events = await recordCodec<DeviceEvent>(registry, plan, 'mcf.device-events');
    const producer = res.kafka.producer({ idempotent: true });
    await producer.connect();
    for (const evs of vec.installations) {
      await producer.send({
        topic: events.topic,
        messages: await Promise.all(evs.map(async (e) => ({ key: installationKey(e.fileKey, e.installationId), value: await events.encode(e) }))),
      });
    }
    await producer.disconnect();
    const metrics = new PipelineMetrics(new Registry());
    stage = createValidatorStage({ kafka: res.kafka, config, plan, registry, checker: flaky, ref: loadReference(REF), metrics, logger: silentLogger },
      { retryBackoffMs: 100, sessionTimeoutMs: 10_000, heartbeatMs: 1000 });
    await stage.start();
    const outcomes = await recordCodec<InstallationOutcomeRecord>(registry, plan, 'mcf.installation-outcomes');
    const got = await readAll(res, outcomes.topic, { expected: vec.installations.length, timeoutMs: 60_000, settleMs: 3000 });
    const ids = (await Promise.all(got.map((m) => outcomes.decode(m.value!)))).map((r) => r.installationId).sort();
    expect(ids).toEqual(vec.installations.map((evs) => evs[0]!.installationId).sort());
    expect(failures).toBeLessThan(0);
  });
});
