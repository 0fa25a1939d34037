import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalEui } from '../../src/core/values.js';
import { SPOOL_BLOCK_BYTES } from '../../src/adapters/fs/verified-spool.js';
import { createLogger } from '../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.js';
import type { DeviceEvent, FileResultRecord } from '../../src/pipeline/records.js';
import { createSplitterStage } from '../../src/pipeline/splitter/splitter-stage.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { loadReference } from '../../src/core/reference/index.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

/**
 * Regression (audit, defect 2): bytes changed in the splitter's spool after pass 1 had
 * hashed them were emitted, so a device ID that is not in the signed file appeared in an
 * accepted file's report. Here the spool is changed between the two passes, in its second
 * block: the emission must refuse it and the file's events must be exactly the signed ones.
 */
describe('splitter spool tampered with between verification and emission', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let stop: () => Promise<void> = async () => undefined;
  const tampered: string[] = [];
  let tamperedId: string | null = null;

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2 });
    const stage = createSplitterStage({
      kafka: world.res.kafka, plan: world.plan, registry: world.registry, ref: loadReference(world.refDir),
      metrics: new PipelineMetrics(), logger: createLogger({ level: 'error' }),
      // Once: change one hex digit of a DeviceID well inside the spool's second block.
      spoolSealed: (path) => {
        if (tampered.length > 0) return;
        tampered.push(path);
        tamperedId = rewriteDeviceId(path, SPOOL_BLOCK_BYTES + 1000);
      },
    }, { groupId: `it-spool-${Date.now()}`, devicesPerTransaction: 20, spoolBase: world.dir, sessionTimeoutMs: 10_000 });
    await stage.start();
    stop = () => stage.stop();
  });
  afterAll(async () => {
    await stop();
    await world?.res.close();
  });

  it('refuses the changed spool, rebuilds the upload from Kafka, and emits only the signed devices, each once', async () => {
    const g = await world.gen('tamper', { installations: 120 });
    expect(readFileSync(g.out).length).toBeGreaterThan(SPOOL_BLOCK_BYTES + 5000);
    const files = await collect(world.res, topicName(world.plan, 'mcf.files'));
    const events = await collect(world.res, topicName(world.plan, 'mcf.device-events'));
    const p = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    world.res.onClose(() => p.disconnect());
    const pub = await publishMcf(p, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 64 * 1024 });
    const decodeFile = async (m: KafkaMessage) => (await world.registry.decode(m.value!)) as FileResultRecord;
    await files.until((ms) => ms.length > 0, 60_000);
    for (;;) {
      const done = (await Promise.all(files.messages.map(decodeFile))).some((r) => r.fileKey === pub.fileKey && r.emissionComplete);
      if (done) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(tampered).toHaveLength(1);
    expect(tamperedId).not.toBeNull();
    await events.until((ms) => ms.length >= g.devices, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    const evs = await Promise.all(events.messages.map(async (m) => (await world.registry.decode(m.value!)) as DeviceEvent));
    const signed = new Set([...readFileSync(g.out, 'utf8').matchAll(/<DeviceID>([^<]+)<\/DeviceID>/g)].map((m) => canonicalEui(m[1]!)));
    expect(signed.has(tamperedId!)).toBe(false);
    const emitted = evs.map((e) => canonicalEui(e.deviceId!));
    expect(emitted).not.toContain(tamperedId);
    expect(emitted.length).toBe(g.devices);
    expect(new Set(emitted)).toEqual(signed);
    const results = (await Promise.all(files.messages.map(decodeFile))).filter((r) => r.fileKey === pub.fileKey);
    expect(results.every((r) => r.status === 'accepted')).toBe(true);
  });
});

/**
 * Changes the first hex digit of the first DeviceID after `from` in the file (to a value no
 * generated ID starts with); returns the new canonical ID.
 */
function rewriteDeviceId(path: string, from: number): string {
  const fd = openSync(path, 'r+');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, from);
    const text = buf.subarray(0, n).toString('latin1');
    const m = /<DeviceID>([0-9A-Fa-f-]{23})<\/DeviceID>/.exec(text);
    if (m === null) throw new Error('no DeviceID found to tamper with');
    const at = from + m.index + '<DeviceID>'.length;
    const old = m[1]!;
    const digit = old[0] === 'E' ? 'F' : 'E';
    writeSync(fd, Buffer.from(digit), 0, 1, at);
    return canonicalEui(digit + old.slice(1))!;
  } finally {
    closeSync(fd);
  }
}
