import { parseArgs } from 'node:util';
import { createKafka } from '../../adapters/kafka/client.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import { laterSmiRow } from '../../pipeline/enrolment/tables.js';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import { canonicalEui } from '../../core/values.js';
import { recordCodec } from '../../pipeline/codecs.js';
import type { SmiTopicRecord } from '../../pipeline/records.js';
import { readCompactedTable } from '../../pipeline/tables/compacted-table.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';
import { hyphenatedEui } from '../../core/values.js';

const USAGE = `usage: s1mig smi show DEVICE_ID [--json] [--config FILE]

show:  the Smart Metering Inventory record of a device (EUI-64, XX-XX-XX-XX-XX-XX-XX-XX or
       16 hex digits) and its status history, oldest first, as the SMI topic holds it.
       Exit 1 when the device is not in the SMI.`;

const hyphenated = (canonical: string | null): string => (canonical === null ? '-' : hyphenatedEui(canonical));
const iso = (ms: number): string => new Date(ms).toISOString();

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      config: { type: 'string' }, json: { type: 'boolean', default: false },
    } });
    const [verb, id, ...rest] = positionals;
    if (verb !== 'show' || id === undefined || rest.length > 0) throw new S1migError('USAGE', `expected 'smi show DEVICE_ID'\n${USAGE}`);
    const deviceId = /^[0-9a-fA-F]{16}$/.test(id) ? id.toLowerCase() : canonicalEui(id);
    if (deviceId === null) throw new S1migError('USAGE', `${JSON.stringify(id)} is not an EUI-64 (XX-XX-XX-XX-XX-XX-XX-XX or 16 hex digits)`);
    const config = await connectedConfig(values.config);
    const plan = topicPlan(loadTopicDefinitions(), config.topics);
    const kafka = createKafka(config, 'smi-show');
    const codec = await recordCodec<SmiTopicRecord>(createRegistry(config), plan, 'smi');
    let rec: SmiTopicRecord | undefined;
    try {
      const table = await readCompactedTable(kafka, { topic: codec.topic, groupStem: `${config.topics.prefix}smi-show`, decode: (v) => codec.decode(v),
        merge: laterSmiRow });
      rec = table.get(deviceId);
    } catch (cause) {
      if (errorCode(cause) !== undefined) throw cause;
      throw new S1migError('KAFKA_UNAVAILABLE', `smi show failed: ${(cause as Error).message} (brokers ${config.kafka.brokers.join(',')})`, { cause });
    }
    if (rec === undefined) {
      process.stderr.write(`s1mig smi show: device ${hyphenated(deviceId)} is not in the SMI\n`);
      return 1;
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(rec, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `Device        ${hyphenated(rec.deviceId)} (${rec.deviceType})`,
      `Status        ${rec.status ?? 'not in the inventory (rolled back)'} since ${iso(rec.effectiveAtMs)}`,
      `Installation  ${hyphenated(rec.installation)} via ${rec.smso}`,
      `Product       ${rec.manufacturer ?? '-'} ${rec.model ?? '-'}, firmware ${rec.firmwareVersion ?? '-'}`,
      ...(rec.mpxn !== null ? [`MPxN          ${rec.mpxn}`] : []),
      ...(rec.responsibleSupplier !== null ? [`Supplier      ${hyphenated(rec.responsibleSupplier)}`] : []),
      ...(rec.parent !== null ? [`Parent        ${hyphenated(rec.parent)}`] : []),
      'History',
      ...rec.history.map((h) => `  ${iso(h.atMs)}  ${h.status.padEnd(24)}  ${h.requestId ?? '-'}${h.reason !== null ? `  ${h.reason}` : ''}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
