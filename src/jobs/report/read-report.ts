import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import type { S1migConfig } from '../../adapters/config/config.js';
import { createKafka } from '../../adapters/kafka/client.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { loadTopicDefinitions, topicName, topicPlan } from '../../adapters/topics/definitions.js';
import { recordCodec } from '../../pipeline/codecs.js';
import { FileReportCollector, selectFile, type FileReport, type FileSelection, type UploadEntry } from '../../pipeline/file-report.js';
import { fileProgress, type FileProgress } from '../../pipeline/file-state.js';
import { groupIdFor } from '../../pipeline/processor.js';
import { installationKey, type FileResultRecord, type InstallationDevicesRecord, type InstallationOutcomeRecord } from '../../pipeline/records.js';
import { readTopicsToEnd } from '../../pipeline/tables/topic-reader.js';
import { uploadInFlight } from './in-flight.js';

/** What `report` knows of a file key or FileID at one moment. */
export interface FileLookup {
  readonly selection: FileSelection;
  /** The file key looked at: the selected one, or the argument when it is a whole file key. */
  readonly fileKey: string | null;
  readonly report: FileReport | null;
  readonly uploads: readonly UploadEntry[];
  /** Null: nothing is known of the key (no decided upload, none in flight). */
  readonly progress: FileProgress | null;
}

const FILE_KEY = /^[0-9a-f]{16}\/[A-Za-z0-9._-]{1,64}$/;

/**
 * Reads the files topic to its end (the file keys are needed to resolve a bare FileID),
 * then the outcomes topics, keeping only the selected file's records (filtered by message
 * key before decoding), then the stretch of the input topic the splitter has not got past
 * for an upload in flight. Everything read_committed.
 */
export async function lookUpFile(config: Readonly<S1migConfig>, arg: string, timeoutMs: number, registry: SchemaRegistry = createRegistry(config)): Promise<FileLookup> {
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  const kafka = createKafka(config, 'report');
  const admin = kafka.admin();
  const groupStem = `${config.topics.prefix}report`;
  try {
    await admin.connect();
    const files = await recordCodec<FileResultRecord>(registry, plan, 'mcf.files');
    const outcomes = await recordCodec<InstallationOutcomeRecord>(registry, plan, 'mcf.installation-outcomes');
    const devices = await recordCodec<InstallationDevicesRecord>(registry, plan, 'mcf.installation-devices');
    const collector = new FileReportCollector();
    await readTopicsToEnd(kafka, admin, [files.topic], async (_t, _p, m) => {
      const r = m.value === null ? null : await ours(files.decode(m.value));
      if (r !== null) collector.addFileResult(r);
    }, { timeoutMs, groupStem });
    const selection = selectFile(arg, collector.fileKeys());
    const fileKey = selection.kind === 'found' ? selection.fileKey : FILE_KEY.test(arg) ? arg : null;
    if (selection.kind === 'found') {
      const prefix = Buffer.from(installationKey(selection.fileKey, ''));
      await readTopicsToEnd(kafka, admin, [outcomes.topic, devices.topic], async (topic, _p, m) => {
        if (m.value === null || m.key === null || m.key.subarray(0, prefix.length).compare(prefix) !== 0) return;
        if (topic === devices.topic) {
          const d = await ours(devices.decode(m.value));
          if (d !== null) collector.addDeviceSegment(d);
        } else {
          const o = await ours(outcomes.decode(m.value));
          if (o !== null) collector.addOutcome(o);
        }
      }, { timeoutMs, groupStem });
    }
    const inFlight = fileKey === null ? null : await uploadInFlight({
      kafka, admin, topic: topicName(plan, 'mcf.chunks'), splitterGroup: groupIdFor(config, 'splitter'), groupStem, timeoutMs }, fileKey);
    const report = fileKey === null ? null : collector.report(fileKey);
    const uploads = fileKey === null ? [] : collector.uploads(fileKey);
    const accepted = fileKey === null ? undefined : collector.acceptedRecord(fileKey);
    return { selection, fileKey, report, uploads, progress: fileProgress(report, accepted, uploads, inFlight) };
  } catch (cause) {
    if (errorCode(cause) !== undefined) throw cause;
    throw new S1migError('KAFKA_UNAVAILABLE', `report failed: ${(cause as Error).message} (brokers ${config.kafka.brokers.join(',')})`, { cause });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * A record that is not one of ours (RECORD_UNDECODABLE) is no part of any file's report:
 * skipped, so one foreign record on the files topic does not make every `report` fail
 * (issue 13, hostile input). The registry away still fails the read.
 */
async function ours<T>(decoded: Promise<T>): Promise<T | null> {
  try {
    return await decoded;
  } catch (err) {
    if (errorCode(err) === 'RECORD_UNDECODABLE') return null;
    throw err;
  }
}
