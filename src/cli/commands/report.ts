import { parseArgs } from 'node:util';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import { createKafka } from '../../adapters/kafka/client.js';
import { recordCodec } from '../../pipeline/codecs.js';
import { FileReportCollector, selectFile, type FileReport } from '../../pipeline/file-report.js';
import { readTopicsToEnd } from '../../pipeline/tables/topic-reader.js';
import { installationKey, type FileResultRecord, type InstallationDevicesRecord, type InstallationOutcomeRecord } from '../../pipeline/records.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { JsonReportSink } from '../render/json-report.js';
import { writableOutput } from '../render/output.js';
import { TextReportSink } from '../render/text-report.js';
import type { ReportSink } from '../../core/outcome/report.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig report FILE_KEY|FILE_ID [--json] [--config FILE] [--timeout SECONDS]

Reads the file's report back from the pipeline's topics (read_committed), in the shape of
\`validate --json\` with the migration block for a Migration file. FILE_ID works when one
file key has it. --timeout: how long to read the topics to their end (default 60 seconds).`;

interface ReportArgs {
  file: string;
  json: boolean;
  config: string | undefined;
  timeoutMs: number;
}

function parse(args: string[]): ReportArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        timeout: { type: 'string' },
      },
    });
  } catch (err) {
    throw new S1migError('USAGE', `${(err as Error).message.split('\n')[0]} (${USAGE})`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] === '') throw new S1migError('USAGE', `expected exactly one FILE_KEY or FILE_ID (${USAGE})`);
  // Seconds, as every command's --timeout (demo's too).
  const seconds = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new S1migError('USAGE', `--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
  const timeoutMs = Math.ceil(seconds * 1000);
  return { file: positionals[0]!, json: values.json === true, config: values.config, timeoutMs };
}

/**
 * Reads the files topic to its end (the file keys are needed to resolve a bare FileID),
 * then the outcomes topic, keeping only the selected file's records (filtered by message
 * key before decoding).
 */
async function collect(opts: ReportArgs): Promise<{ selection: ReturnType<typeof selectFile>; report: FileReport | null }> {
  const config = await connectedConfig(opts.config);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  const registry = createRegistry(config);
  const kafka = createKafka(config, 'report');
  const admin = kafka.admin();
  try {
    await admin.connect();
    const files = await recordCodec<FileResultRecord>(registry, plan, 'mcf.files');
    const outcomes = await recordCodec<InstallationOutcomeRecord>(registry, plan, 'mcf.installation-outcomes');
    const devices = await recordCodec<InstallationDevicesRecord>(registry, plan, 'mcf.installation-devices');
    const collector = new FileReportCollector();
    await readTopicsToEnd(kafka, admin, [files.topic], async (_t, _p, m) => {
      if (m.value !== null) collector.addFileResult(await files.decode(m.value));
    }, { timeoutMs: opts.timeoutMs, groupStem: `${config.topics.prefix}report` });
    const selection = selectFile(opts.file, collector.fileKeys());
    if (selection.kind !== 'found') return { selection, report: null };
    const prefix = Buffer.from(installationKey(selection.fileKey, ''));
    await readTopicsToEnd(kafka, admin, [outcomes.topic, devices.topic], async (topic, _p, m) => {
      if (m.value === null || m.key === null || m.key.subarray(0, prefix.length).compare(prefix) !== 0) return;
      if (topic === devices.topic) collector.addDeviceSegment(await devices.decode(m.value));
      else collector.addOutcome(await outcomes.decode(m.value));
    }, { timeoutMs: opts.timeoutMs, groupStem: `${config.topics.prefix}report` });
    return { selection, report: collector.report(selection.fileKey) };
  } catch (cause) {
    if (errorCode(cause) !== undefined) throw cause;
    throw new S1migError('KAFKA_UNAVAILABLE', `report failed: ${(cause as Error).message} (brokers ${config.kafka.brokers.join(',')})`, { cause });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function print(report: FileReport, json: boolean): Promise<void> {
  const out = writableOutput(process.stdout);
  const sink: ReportSink = json ? new JsonReportSink(out) : new TextReportSink(out);
  await sink.begin(report.header);
  if (!json && report.pending > 0) await out.write(`(incomplete: ${report.pending} installation(s) have no outcome yet)\n`);
  for (const inst of report.installations) await sink.installation(inst);
  await sink.end(report.summary);
}

async function run(args: string[]): Promise<number> {
  const opts = parse(args);
  const { selection, report } = await collect(opts);
  if (selection.kind === 'ambiguous') {
    process.stderr.write(`s1mig report: FileID ${opts.file} is ambiguous; use one of: ${selection.fileKeys.join(', ')}\n`);
    return 2;
  }
  if (report === null) {
    process.stderr.write(`s1mig report: no file ${opts.file} in the files topic\n`);
    return 1;
  }
  if (report.pending > 0) {
    process.stderr.write(`s1mig report: ${report.installations.length} of ${report.installations.length + report.pending} installations of ${report.fileKey} have outcomes so far\n`);
  }
  await print(report, opts.json);
  return report.header.status === 'accepted' ? 0 : 1;
}

export const command: CliCommand = { usage: USAGE, run };
