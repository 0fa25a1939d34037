import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { FileResultRecord } from '../../src/pipeline/records.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { REF, device, header, installation, mcf } from '../unit/jobs/validate/mcf-fixture.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'src', 'cli', 'main.js');

const id = (k: number): string => `00-DB-00-03-00-${[16, 8, 0].map((sh) => ((k >> sh) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join('-')}`;
const big = (base: number, n: number): string[] => [
  device(id(base), 'CHF'), device(id(base + 1), 'ESME', { Parent: id(base) }),
  ...Array.from({ length: n - 2 }, (_, k) => device(id(base + 2 + k), 'IHD', { Parent: id(base + 1), Certificate: null, Credential: null })),
];

// Regression (audit, defect 4): an installation of more than 32 devices was held whole by the
// splitter and was poison for the validator (deviceCount over 10,000: no outcome at all).
describe('an installation of more than 32 devices through the pipeline', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 4, 'mcf.installation-outcomes': 2, 'mcf.installation-devices': 3 });
    processor = await startProcessor(world.config, { stages: ['splitter', 'validator'], refDir: REF, metricsPort: 0, threads: 1,
      splitter: { devicesPerTransaction: 200 } }, createLogger({ level: 'warn' }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('gets exactly one outcome and every device in segments, and `report` prints what validate prints', async () => {
    // 700 devices (11 segments) with a duplicate ID that the last installation repeats.
    const body = installation('A') + installation('BIG', big(1000, 700)) +
      installation('LAST', [device(id(5000), 'CHF'), device(id(5001), 'ESME', { Parent: id(5000) }), device(id(1500), 'IHD', { Parent: id(5001) })]);
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const file = join(world.dir, 'oversized.xml');
    writeFileSync(file, mcf({ header: header({ FileID: 'BIG-1', CreatedAt: createdAt, InstallationCount: '3', DeviceCount: String(2 + 700 + 3) }), body }));
    const offline = spawnSync(process.execPath, [cli, 'validate', file, '--ref', REF, '--json'], { encoding: 'utf8' });
    expect(offline.status, offline.stderr).toBe(0);
    const expected = JSON.parse(offline.stdout) as { installations: Array<{ errors: Array<{ code: string }>; devices: unknown[] }>; summary: unknown };
    expect(expected.installations[1]!.errors.map((e) => e.code)).toEqual(['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE']);
    expect(expected.installations[1]!.devices).toHaveLength(700);

    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const segments = await collect(world.res, topicName(world.plan, 'mcf.installation-devices'));
    const files = await collect(world.res, topicName(world.plan, 'mcf.files'));
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const pub = await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), file, { chunkSize: 32 * 1024 });
    await outcomes.until((ms) => ms.length >= 3, 120_000);
    await segments.until((ms) => ms.length >= 11, 120_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(outcomes.messages).toHaveLength(3);
    expect(segments.messages).toHaveLength(11);
    const progress = await Promise.all(files.messages.map(async (m) => (await world.registry.decode(m.value!)) as FileResultRecord));
    // Emission went in transactions of ~200 devices, some of them cut inside the big installation.
    expect(progress.some((p) => p.emittedDevices > 0)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ status: 'accepted', emissionComplete: true, emittedInstallations: 3, emittedDevices: 0 });

    const report = spawnSync(process.execPath, [cli, 'report', pub.fileKey, '--json'], {
      encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix },
    });
    expect(report.status, report.stderr).toBe(0);
    const fromTopics = JSON.parse(report.stdout) as typeof expected;
    expect(fromTopics.installations).toEqual(expected.installations);
    expect(fromTopics.summary).toEqual(expected.summary);
  });
});
