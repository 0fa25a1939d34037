/**
 * Issue 13, "the registry unavailable mid-run": the three stages run as three processors
 * (as a deployment that scales them apart would), each with its own registry client and
 * cache. A stage holds the schema of its own topics from its start (issue 14's codecs), so
 * a registry outage matters when records come with a schema id a stage does not hold yet:
 * here, a rolling upgrade that added a field to the device events' and the enrolment
 * requests' schemas, whose writers started after the new versions were registered and whose
 * readers before. The validator's and the enrolment stage's registries are behind proxies,
 * cut before a Migration file arrives, so each meets the outage on a writer schema it has
 * not fetched (the validator decoding device events, the lanes decoding enrolment requests;
 * the enrolment proxy stays cut until requests wait on the lanes). Nothing may go to the
 * dead-letter topic for it; processing waits and, once the registry is back, every
 * installation gets exactly one final outcome.
 * (The fast variant of npm test holds the registry away for 20 s; a minute and more is the
 * same code path: the stages retry with backoff until it answers.)
 */
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { resolveLocalInstance } from '../../src/adapters/local/index.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const A = '90b3d51f30010000';
const hyphenated = (eui: string) => eui.toUpperCase().match(/../g)!.join('-');
const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const OUTAGE_MS = 20_000;

describe('the Schema Registry unavailable mid-run', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  const processors: Processor[] = [];
  const proxies: TcpProxy[] = [];
  const logs: Array<Record<string, unknown>> = [];

  /** A new version of a topic's value schema: the latest plus an optional field (BACKWARD compatible). */
  const addOptionalField = async (topic: string): Promise<void> => {
    const subject = `${topic}-value`;
    const latest = await world.registry.getSchema(await world.registry.getLatestSchemaId(subject)) as unknown as { schema(): { fields: unknown[] } };
    const schema = latest.schema();
    schema.fields.push({ name: 'upgradeNote', type: ['null', 'string'], default: null });
    await world.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
  };

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 2 });
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-RO,${hyphenated(A)},MDS,${londonDate(Date.now())},100,100\n`);
    const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    expect((await publishInputFile(inputs, 'ma', csv)).ok).toBe(true);
    writeFileSync(join(world.dir, 's.csv'), `supplier,duisVersion,name\n${hyphenated(A)},5.4,Supplier A\n`);
    expect((await publishInputFile(inputs, 'suppliers', join(world.dir, 's.csv'))).ok).toBe(true);
    const logger = createLogger({ level: 'info', write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const behindProxy = async (): Promise<typeof world.config> => {
      const proxy = await startTcpProxy(resolveLocalInstance().registryPort);
      proxies.push(proxy);
      const url = new URL(world.config.registry.url);
      url.port = String(proxy.port);
      return { ...world.config, registry: { ...world.config.registry, url: url.toString().replace(/\/$/, '') } };
    };
    const common = { refDir: world.refDir, metricsPort: 0, threads: 1 };
    // Each reader starts before its writer's schema gets a new version (a compatible added
    // field), and each writer after: the readers meet ids they have never fetched.
    const enrolment = await startProcessor(await behindProxy(), { ...common, stages: ['enrolment'],
      smsoAdapters: new Map([['MDS', new SmsoSimulator('MDS', SIMULATOR_DEFAULTS)]]) }, logger);
    await addOptionalField(topicName(world.plan, 'enrolment.lanes'));
    const validator = await startProcessor(await behindProxy(), { ...common, stages: ['validator'], validator: { retryBackoffMs: 500, retryBackoffMaxMs: 4000 } }, logger);
    await addOptionalField(topicName(world.plan, 'mcf.device-events'));
    const splitter = await startProcessor(world.config, { ...common, stages: ['splitter'], splitter: { retryBackoffMs: 500, retryBackoffMaxMs: 4000 } }, logger);
    processors.push(splitter, validator, enrolment);
  });
  afterAll(async () => {
    for (const p of processors.reverse()) await p.stop();
    for (const p of proxies) await p.close();
    await world?.res.close();
  });

  it('sends nothing to the DLQ, waits, and completes every installation exactly once after it returns', async () => {
    const dlq = await collect(world.res, topicName(world.plan, 'dlq'));
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const g = await world.gen('REG-OUT', { installations: 24, purpose: 'Migration', ma: 'MA-RO', suppliers: [A], defects: 'DEV_CERT_EXPIRED:3' });

    const [enrolmentProxy, validatorProxy] = proxies as [TcpProxy, TcpProxy];
    validatorProxy.cut();
    enrolmentProxy.cut();
    const key = await world.publish(g.out);
    const cutAt = Date.now();
    const requests = await collect(world.res, topicName(world.plan, 'enrolment.lanes'));
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const requestsDuringValidatorOutage = requests.messages.length;
    validatorProxy.restore();
    // The lanes' registry stays away until the requests are waiting for them.
    await requests.until((ms) => ms.length >= 1, 120_000);
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const finalsDuringOutage = (await decodeAll(outcomes.messages)).filter((o) => o.fileKey === key && o.stage === 'enrolment').length;
    enrolmentProxy.restore();
    const triedWhileCut = [validatorProxy.attempts(), enrolmentProxy.attempts()];

    const finals = async (): Promise<InstallationOutcomeRecord[]> =>
      (await decodeAll(outcomes.messages)).filter((o) => o.fileKey === key && o.stage === 'enrolment' && FINAL.has(o.migration!.status));
    const deadline = Date.now() + 180_000;
    while ((await finals()).length < 24 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const got = await finals();
    await new Promise((r) => setTimeout(r, 2000));

    expect(dlq.messages.map((m) => m.headers?.['s1mig-dlq-reason']?.toString())).toEqual([]);
    expect(requestsDuringValidatorOutage).toBe(0);
    expect(finalsDuringOutage).toBe(0);
    expect(triedWhileCut.every((n) => n > 0), `both stages tried the registry while it was away: ${triedWhileCut.join(', ')}`).toBe(true);
    expect(got.map((o) => o.installationId).sort()).toEqual([...new Set(got.map((o) => o.installationId))].sort());
    expect(got).toHaveLength(24);
    // The stages said why they waited (a retriable failure, not a poison record).
    const waited = logs.filter((l) => Date.parse(String(l['time'])) >= cutAt && (l['level'] === 'error' || l['level'] === 'warn'));
    process.stderr.write(`registry outage: ${triedWhileCut.join('+')} connection attempts while cut; logged: ${JSON.stringify([...new Set(waited.map((l) => `${String(l['stage'] ?? '')} ${String(l['msg'])}: ${JSON.stringify(l['error'] ?? '').slice(0, 160)}`))])}\n`);
    expect(waited.length).toBeGreaterThan(0);
    expect(waited.every((l) => !String(l['msg']).includes('dead-letter'))).toBe(true);
  }, 300_000);

  async function decodeAll(msgs: ReadonlyArray<{ value: Buffer | null }>): Promise<InstallationOutcomeRecord[]> {
    return Promise.all(msgs.map(async (m) => (await world.registry.decode(m.value!)) as InstallationOutcomeRecord));
  }
});
