import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { collect } from './helpers.js';
import { writeFileSync } from 'node:fs';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { pipelineWorld } from './pipeline-setup.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Report {
  status: string;
  installations: Array<{ installationId: string; status: string; migration?: { status: string }; errors: Array<{ code: string }>; devices: Array<{ deviceId: string | null; deviceType: string | null; status: string; errors: Array<{ code: string }> }> }>;
  summary: Record<string, number>;
}

const strip = (insts: Report['installations']) => insts.map((i) => ({
  installationId: i.installationId, status: i.status, errors: i.errors.map((e) => e.code),
  devices: i.devices.map((d) => ({ deviceId: d.deviceId, deviceType: d.deviceType, status: d.status, errors: d.errors.map((e) => e.code) })),
}));

describe('pipeline end to end: the same outcomes as validate --json', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2 });
    processor = await startProcessor(world.config, { stages: ['splitter', 'validator'], refDir: world.refDir, metricsPort: 0, threads: 1 }, createLogger({ level: 'warn' }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('a file with every kind of installation outcome', async () => {
    const g = await world.gen('e2e-mixed', {
      installations: 40, purpose: 'Migration',
      defects: 'DEV_CERT_UNTRUSTED:5,DEV_CREDENTIAL_INCOMPLETE:2,INST_EXCLUDED_MISSING_KEYS:2,INST_DMC_NOT_ELIGIBLE:2,DEV_FIELD_INVALID:2,INST_DUPLICATE_DEVICE:1,INST_STRUCTURE:2,DEV_CERT_EXPIRED:2',
      ma: 'MA-E2E',
    });
    // A Migration file needs an MA that covers it (else MCF_NOT_AUTHORISED); no enrolment stage runs here.
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-E2E,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},100,50\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const offline = spawnSync(process.execPath, [cli, 'validate', g.out, '--ref', world.refDir, '--json'], { encoding: 'utf8' });
    expect(offline.status, offline.stderr).toBe(0);
    const expected = JSON.parse(offline.stdout) as Report;
    expect(new Set(expected.installations.map((i) => i.status))).toEqual(new Set(['valid', 'partial', 'excluded', 'invalid']));

    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const pub = await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 16 * 1024 });
    await outcomes.until((ms) => ms.length >= 40, 120_000);
    await new Promise((r) => setTimeout(r, 1500));
    const got = (await Promise.all(outcomes.messages.map(async (m) => (await world.registry.decode(m.value!)) as InstallationOutcomeRecord)))
      .filter((o) => o.fileKey === pub.fileKey)
      .sort((a, b) => a.installationIndex - b.installationIndex);
    expect(got.length).toBe(40);
    expect(strip(got as unknown as Report['installations'])).toEqual(strip(expected.installations));

    // `report` reads the same back from the topics, in the shape of validate --json.
    const report = spawnSync(process.execPath, [cli, 'report', pub.fileKey, '--json'], {
      encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix },
    });
    // Validated, its valid installations waiting for an enrolment stage that does not run here: in progress.
    expect(report.status, report.stderr).toBe(4);
    const fromTopics = JSON.parse(report.stdout) as Report & { state: string };
    expect(fromTopics.state).toBe('enrolling');
    const validated = spawnSync(process.execPath, [cli, 'report', pub.fileKey, '--wait', '--until', 'validated', '--json'], {
      encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix },
    });
    expect(validated.status, validated.stderr).toBe(0);
    expect(strip(fromTopics.installations)).toEqual(strip(expected.installations));
    // The pipeline adds the migration block: before enrolment, valid and partial ones wait, the others are not enrolled.
    expect(fromTopics.installations.map((i) => i.migration?.status)).toEqual(expected.installations.map((i) => (i.status === 'valid' || i.status === 'partial' ? 'waiting' : 'not-enrolled')));
    const { migrated, migratedPartial, migratedDormant, failed, waiting, alerts, ...summary } = fromTopics.summary;
    expect(summary).toEqual(expected.summary);
    // Validation only here: no enrolment outcome, so no alert was due.
    expect(alerts).toEqual({ sent: 0, notSent: { 'supplier-unknown': 0, 'duis-below-3': 0 } });
    expect([migrated, migratedPartial, migratedDormant, failed, waiting]).toEqual([0, 0, 0, 0, expected.summary['valid']! + expected.summary['partial']!]);

    // The ops endpoint tells the same story.
    const base = processor!.ops.url;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (line: RegExp): number => Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());
    expect(value(/^s1mig_devices_total\{stage="validator"\}/)).toBe(expected.summary['devices']);
    expect(value(/^s1mig_devices_total\{stage="splitter"\}/)).toBe(expected.summary['devices']);
    for (const status of ['valid', 'partial', 'excluded', 'invalid']) {
      expect(value(new RegExp(`^s1mig_installations_total\\{status="${status}"\\}`))).toBe(expected.summary[status]);
    }
    expect(text).toMatch(/^s1mig_pool_utilisation \d/m);
    expect(value(/^s1mig_installation_latency_seconds_count/)).toBe(40);
  });
});
