import { readFileSync } from 'node:fs';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/pipeline/records.js';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { applySchemas, readAvroSchema } from '../../src/adapters/registry/schemas.js';
import { loadTopicDefinitions, topicName, topicPlan } from '../../src/adapters/topics/definitions.js';
import { applyTopics } from '../../src/adapters/topics/apply.js';
import { readAll, Resources, testConfig } from './helpers.js';

describe('topics apply, schemas apply and an Avro round trip through the registry', () => {
  const config = testConfig();
  const res = new Resources(config);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  res.registerTopics(plan.map((p) => p.topic));
  afterAll(() => res.close());
  const registry = createRegistry(config);

  it('creates every defined topic with its partitions and configs, then reports them unchanged', async () => {
    const admin = await res.getAdmin();
    const first = await applyTopics(admin, plan);
    expect(first.map((c) => c.action)).toEqual(plan.map(() => 'created'));
    const meta = await admin.fetchTopicMetadata({ topics: plan.map((p) => p.topic) });
    for (const p of plan) expect(meta.topics.find((t) => t.name === p.topic)?.partitions.length).toBe(p.partitions);
    const again = await applyTopics(admin, plan);
    expect(again.every((c) => c.action === 'unchanged')).toBe(true);
  });

  it('refuses to grow a keyed topic without force, and grows it with force', async () => {
    const admin = await res.getAdmin();
    const grown = plan.map((p) => (p.name === 'mcf.chunks' ? { ...p, partitions: p.partitions + 2 } : p));
    const refused = await applyTopics(admin, grown);
    expect(refused.find((c) => c.topic === topicName(plan, 'mcf.chunks'))?.action).toBe('refused');
    const forced = await applyTopics(admin, grown, { force: true });
    expect(forced.find((c) => c.topic === topicName(plan, 'mcf.chunks'))?.action).toBe('partitions-added');
  });

  it('puts a changed config back to its definition', async () => {
    const admin = await res.getAdmin();
    const changed = plan.map((p) => (p.name === 'dlq' ? { ...p, configs: { ...p.configs, 'retention.ms': '3600000' } } : p));
    const result = await applyTopics(admin, changed);
    expect(result.find((c) => c.topic === topicName(plan, 'dlq'))).toMatchObject({ action: 'configs-updated', detail: 'retention.ms=3600000' });
  });

  it('registers the value schemas and refuses a BACKWARD-incompatible change', async () => {
    const registered = await applySchemas(registry, plan);
    expect(registered.map((r) => r.schema).sort()).toEqual(['alert', 'device-event', 'enrolment-request', 'enrolment-state', 'file-result', 'installation-devices', 'installation-outcome', 'migration-authorisation', 'smi-record', 'supplier']);
    const again = await applySchemas(registry, plan);
    expect(again.map((r) => r.id)).toEqual(registered.map((r) => r.id));

    const subject = `${topicName(plan, 'mcf.device-events')}-value`;
    const schema = JSON.parse(readAvroSchema('device-event')) as { fields: unknown[] };
    schema.fields.push({ name: 'mandatoryWithoutDefault', type: 'string' });
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject })).rejects.toThrow();
  });

  // A deployment upgraded from the schemas of the first release (issue 4, kept as fixtures):
  // the fields added since have defaults, so `topics apply` registers them on the old subjects.
  it('accepts the current schemas on subjects that hold the first release\'s, and decodes old records with the new fields\' defaults', async () => {
    const old = createRegistry(config);
    const stem = `${config.topics.prefix}upgrade-${Date.now()}`;
    for (const name of ['device-event', 'file-result', 'installation-outcome']) {
      const subject = `${stem}-${name}-value`;
      const v1 = readFileSync(new URL(`./fixtures/avro-issue4/${name}.avsc`, import.meta.url), 'utf8');
      await old.register({ type: SchemaType.AVRO, schema: v1 }, { subject, compatibility: COMPATIBILITY.BACKWARD });
      const { id } = await registry.register({ type: SchemaType.AVRO, schema: readAvroSchema(name) }, { subject, compatibility: COMPATIBILITY.BACKWARD });
      expect(id).toBeGreaterThan(0);
    }
    const v1Event = avro.Type.forSchema(JSON.parse(readFileSync(new URL('./fixtures/avro-issue4/device-event.avsc', import.meta.url), 'utf8')) as avro.Schema);
    const current = avro.Type.forSchema(JSON.parse(readAvroSchema('device-event')) as avro.Schema);
    const sample = { ...JSON.parse(JSON.stringify(v1Event.random())), deviceIndex: 0 } as Record<string, unknown>;
    const decoded = current.createResolver(v1Event);
    const read = current.fromBuffer(v1Event.toBuffer(sample), decoded) as DeviceEvent;
    expect(read).toMatchObject({ segment: 0, segments: 0, segmentDevices: 0, installationHasDuplicate: false });
  });

  it('round-trips a device event produced with Avro + registry encoding', async () => {
    const topic = topicName(plan, 'mcf.device-events');
    const id = await registry.getLatestSchemaId(`${topic}-value`);
    const event: DeviceEvent = {
      fileKey: '90b3d51f30010008/MDS-1', fileId: 'MDS-1', smso: 'MDS', purpose: 'Migration', createdAtSec: 1_796_000_000, receivedAtMs: 1_796_000_100_000,
      installationId: 'INST-1', installationIndex: 0, installationCount: 1, migrationType: 'Active', groupId: null,
      installationStructureInvalid: false, duplicateDeviceIds: [], deviceIndex: 1, deviceCount: 3,
      deviceId: '00-DB-12-34-56-78-90-01', deviceType: 'ESME', manufacturer: 'Acme', model: 'E-200', firmwareVersion: '0A1B',
      mpxn: '1200012345678', responsibleSupplier: '90-B3-D5-1F-30-01-00-00', parent: '00-DB-12-34-56-78-90-00',
      certificate: 'MIIB', credential: 'BJ3x', deviceStructureInvalid: false,
      segment: 0, segments: 0, segmentDevices: 0, installationHasDuplicate: false, migrationAuthorisation: 'MA_1',
    };
    const value = await registry.encode(id, event);
    expect(value.readUInt8(0)).toBe(0); // Confluent wire format: magic byte, then the schema id
    expect(value.readUInt32BE(1)).toBe(id);
    const producer = res.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: `${event.fileKey}|${event.installationId}`, value }] });
    await producer.disconnect();
    const [msg] = await readAll(res, topic, { expected: 1 });
    expect(msg?.key?.toString()).toBe('90b3d51f30010008/MDS-1|INST-1');
    expect(await registry.decode(msg!.value!)).toEqual(event);
  });

  it('ships Avro schemas that parse', () => {
    for (const name of ['device-event', 'file-result', 'installation-outcome']) {
      expect(() => JSON.parse(readFileSync(new URL(`../../avro/${name}.avsc`, import.meta.url), 'utf8'))).not.toThrow();
    }
  });
});
