import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { createPrivateDir, type PrivateDir } from '../../fs/private-dir.js';
import { FETCH_MAX_WAIT_MS } from '../../kafka/client.js';
import { PartitionProducers } from '../../kafka/partition-producers.js';
import type { Logger } from '../../log/logger.js';
import type { PipelineMetrics } from '../../metrics/pipeline-metrics.js';
import type { Reference } from '../../reference/index.js';
import { topicName, type TopicPlanEntry } from '../../topics/definitions.js';
import { UploadAssembler, type ChunkVerdict } from '../../transfer/assembler.js';
import { fileKeyOf, parseChunkMeta } from '../../transfer/chunk-headers.js';
import { recordCodec, type RecordCodec } from '../codecs.js';
import { deadLetter } from '../dlq.js';
import { withHeartbeat } from '../validator/check-installations.js';
import { FilesTable } from '../files-table.js';
import { deviceEventKey, fileResultKey, type DeviceEvent, type FileResultRecord } from '../records.js';
import { emissionRuns, installationEvents } from './emitter.js';
import { fileVerdict, transferRejection } from './file-verdict.js';
import { splitterOptions, type SplitterOptions } from './options.js';
import { UploadSession } from './upload-session.js';

const HEARTBEAT_MS = 3000;
/** Name prefix of the splitter's private spool folders under the configured base. */
export const SPOOL_PREFIX = 's1mig-spool-';

export interface SplitterDeps {
  kafka: Kafka;
  plan: readonly TopicPlanEntry[];
  registry: SchemaRegistry;
  ref: Reference;
  metrics: PipelineMetrics;
  logger: Logger;
  /** Injectable clock (tests): local time for timeouts and decision stamps. */
  now?: () => number;
  /**
   * Test seam: called with an upload's spool path once pass 1 has ended, before the spool is
   * read back (the tests that tamper with a spool between its two passes use it).
   */
  spoolSealed?: (path: string) => void;
}

interface PartitionState {
  readonly partition: number;
  readonly assembler: UploadAssembler;
  readonly sessions: Map<string, UploadSession>;
  /** Offset last committed for the group (via a transaction). */
  committed: bigint;
  /** Offset after the last message handled. */
  processed: bigint;
  /** Serialises the batch handler and the expiry timer on one partition. */
  lock: Promise<void>;
}

export interface Stage {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The splitter: reassembles MCF uploads per partition, verifies them while they arrive
 * (transfer, structure, signature, counts, freshness, duplicates) and emits nothing until a
 * file is verified; then emits its device events from the spool in transactions that also
 * record the emission progress and commit the input offsets (pipeline.md, guarantee 1).
 */
export function createSplitterStage(deps: SplitterDeps, partial: Partial<SplitterOptions> = {}): Stage {
  const o = splitterOptions(partial);
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ stage: 'splitter' });
  const m = deps.metrics;
  const chunksTopic = topicName(deps.plan, 'mcf.chunks');
  const dlqTopic = topicName(deps.plan, 'dlq');
  const producers = new PartitionProducers(deps.kafka, o.groupId);
  const states = new Map<number, PartitionState>();
  let consumer: Consumer | null = null;
  let admin: Admin | null = null;
  let table: FilesTable | null = null;
  let eventCodec: RecordCodec<DeviceEvent>;
  let fileCodec: RecordCodec<FileResultRecord>;
  let timer: NodeJS.Timeout | null = null;
  /** This process's own spool folder (fresh, 0700), removed on stop. */
  let spoolDir: PrivateDir | null = null;
  /** Makes every spool file name new within the folder (they are created exclusively). */
  let spoolSeq = 0;
  let stopping = false;
  /** Consecutive failures per partition, for exponential backoff (reset by a handled message). */
  const failures = new Map<number, number>();

  const state = (partition: number): PartitionState => {
    let s = states.get(partition);
    if (!s) {
      s = { partition, assembler: new UploadAssembler({ maxFileBytes: o.maxFileBytes, timeoutMs: o.transferTimeoutMs }), sessions: new Map(), committed: -1n, processed: 0n, lock: Promise.resolve() };
      states.set(partition, s);
    }
    return s;
  };

  const withLock = async (s: PartitionState, fn: () => Promise<void>): Promise<void> => {
    const run = s.lock.then(fn, fn);
    s.lock = run.catch(() => undefined);
    return run;
  };

  const dropState = (s: PartitionState): void => {
    for (const session of s.sessions.values()) session.discard();
    states.delete(s.partition);
  };

  /** Offsets may not pass the first chunk of any upload still in progress. */
  const commitPoint = (s: PartitionState, after: bigint): bigint => {
    const low = s.assembler.lowestOpenOffset();
    return low !== null && BigInt(low) < after ? BigInt(low) : after;
  };

  const transaction = async (s: PartitionState, fill: (send: (topic: string, messages: Message[]) => void) => void, offset: bigint | null): Promise<void> => {
    const producer: Producer = await producers.get(chunksTopic, s.partition);
    const topicMessages: Array<{ topic: string; messages: Message[] }> = [];
    fill((topic, messages) => topicMessages.push({ topic, messages }));
    const tx = await producer.transaction();
    try {
      if (topicMessages.length > 0) await tx.sendBatch({ topicMessages });
      if (offset !== null && offset > s.committed) {
        await tx.sendOffsets({ consumerGroupId: o.groupId, topics: [{ topic: chunksTopic, partitions: [{ partition: s.partition, offset: String(offset) }] }] });
      }
      await tx.commit();
      if (offset !== null && offset > s.committed) s.committed = offset;
      m.transactions.inc({ stage: 'splitter', result: 'committed' });
    } catch (err) {
      m.transactions.inc({ stage: 'splitter', result: 'aborted' });
      await tx.abort().catch(() => undefined);
      throw err;
    }
  };

  const publishResult = async (s: PartitionState, record: FileResultRecord, offset: bigint): Promise<void> => {
    const value = await fileCodec.encode(record);
    await transaction(s, (send) => send(fileCodec.topic, [{ key: fileResultKey(record), value }]), offset);
    table?.apply(record);
    m.files.inc({ status: record.status, code: record.errors[0]?.code ?? 'none' });
    for (const e of record.errors) m.outcomeCodes.inc({ level: 'file', code: e.code });
    log.info('file result', { fileKey: record.fileKey, status: record.status, codes: record.errors.map((e) => e.code), installations: record.installations, devices: record.devices });
  };

  /** Pass 2: device events of a verified file, in transactions that record progress. */
  const emit = async (s: PartitionState, session: UploadSession, record: FileResultRecord, header: Parameters<typeof installationEvents>[1],
    firstOffset: bigint, after: bigint, heartbeat: () => Promise<void>): Promise<void> => {
    let progress = record;
    if (record.emittedInstallations === 0 && record.installations === 0) {
      await publishResult(s, { ...record, emissionComplete: true }, commitPoint(s, after));
      return;
    }
    let first = true;
    // A record written before emittedDevices existed decodes without it (the writer's schema).
    const from = { installations: record.emittedInstallations, devices: record.emittedDevices ?? 0 };
    for await (const run of emissionRuns(session.spool.read(), from, o.devicesPerTransaction, session.oversized, session.duplicates)) {
      if (stopping) throw new Error('stopping during emission');
      const messages: Message[] = [];
      for (const unit of run.units) {
        for (const ev of installationEvents(progress.fileKey, header, progress.installations, unit.inst, session.duplicates, progress.receivedAtMs, unit.segment)) {
          messages.push({ key: deviceEventKey(ev), value: await eventCodec.encode(ev) });
        }
      }
      const done = run.installationsDone === progress.installations;
      progress = { ...progress, emittedInstallations: run.installationsDone, emittedDevices: run.devicesDone, emissionComplete: done, decidedAtMs: progress.decidedAtMs };
      const progressValue = await fileCodec.encode(progress);
      const offset = done ? commitPoint(s, after) : commitPoint(s, firstOffset);
      await transaction(s, (send) => {
        send(eventCodec.topic, messages);
        send(fileCodec.topic, [{ key: fileResultKey(progress), value: progressValue }]);
      }, offset);
      table?.apply(progress);
      m.devices.inc({ stage: 'splitter' }, run.devices);
      if (first) {
        m.files.inc({ status: 'accepted', code: 'none' });
        log.info('file accepted, emitting', { fileKey: progress.fileKey, installations: progress.installations, devices: progress.devices, from: record.emittedInstallations });
        first = false;
      }
      await heartbeat();
    }
  };

  const onVerdict = async (s: PartitionState, v: ChunkVerdict, value: Buffer, offset: bigint, heartbeat: () => Promise<void>): Promise<void> => {
    switch (v.kind) {
      case 'accepted-chunk': {
        let session = s.sessions.get(v.upload.fileKey);
        if (!session) {
          session = new UploadSession(spoolDir!.path, `${++spoolSeq}-${chunksTopic}-${s.partition}-${v.upload.firstOffset}`);
          s.sessions.set(v.upload.fileKey, session);
        }
        session.write(value);
        return;
      }
      case 'duplicate-ignored':
        return;
      case 'orphan':
        m.orphanChunks.inc();
        return;
      case 'rejected': {
        s.sessions.get(v.fileKey)?.discard();
        s.sessions.delete(v.fileKey);
        const upload = v.upload ? `${s.partition}:${v.upload.firstOffset}` : `${s.partition}:${offset}`;
        if (table?.wasRejected(v.fileKey, upload)) return;
        await publishResult(s, transferRejection(v.fileKey, upload, v.code, v.reason, v.upload?.receivedAtMs ?? now(), now()), commitPoint(s, offset + 1n));
        return;
      }
      case 'complete': {
        const session = s.sessions.get(v.upload.fileKey)!;
        s.sessions.delete(v.upload.fileKey);
        try {
          const scan = session.finish();
          deps.spoolSealed?.(session.spool.path);
          await table!.catchUp();
          const upload = `${s.partition}:${v.upload.firstOffset}`;
          const verdict = fileVerdict({
            fileKey: v.upload.fileKey, upload, sha256: v.upload.meta.sha256, scan, receivedAtMs: v.upload.receivedAtMs, nowMs: now(),
            maxFileAgeSec: o.maxFileAgeSec, accepted: table!.acceptedRecord(v.upload.fileKey),
          }, deps.ref);
          if (verdict.kind === 'rejected') {
            if (!table!.wasRejected(v.upload.fileKey, upload)) await publishResult(s, verdict.record, commitPoint(s, offset + 1n));
          } else if (verdict.kind === 'replay' && verdict.record.emissionComplete) {
            log.info('replayed upload already emitted', { fileKey: verdict.record.fileKey, upload });
          } else {
            await emit(s, session, verdict.record, verdict.header, BigInt(v.upload.firstOffset), offset + 1n, heartbeat);
          }
        } finally {
          session.discard();
        }
      }
    }
  };

  const handleMessage = async (s: PartitionState, msg: KafkaMessage, heartbeat: () => Promise<void>): Promise<void> => {
    const offset = BigInt(msg.offset);
    m.records.inc({ stage: 'splitter' });
    const meta = parseChunkMeta(msg.headers);
    const key = fileKeyOf(msg.key);
    const value = msg.value;
    if ('error' in meta || typeof key !== 'string' || value === null) {
      const poison = 'error' in meta ? meta.error : typeof key !== 'string' ? key.error : 'chunk without a value';
      m.dlq.inc({ stage: 'splitter', reason: 'poison' });
      log.warn('poison chunk to the dead-letter topic', { partition: s.partition, offset: msg.offset, reason: poison });
      await transaction(s, (send) => send(dlqTopic, [deadLetter('splitter', poison, chunksTopic, s.partition, msg)]), commitPoint(s, offset + 1n));
      return;
    }
    const verdicts = s.assembler.accept(key, meta, value, msg.offset, Number(msg.timestamp), now());
    for (const v of verdicts) await onVerdict(s, v, value, offset, heartbeat);
  };

  const expireUploads = async (): Promise<void> => {
    for (const s of [...states.values()]) {
      await withLock(s, async () => {
        for (const v of s.assembler.expire(now())) await onVerdict(s, v, Buffer.alloc(0), s.processed - 1n, async () => undefined);
      }).catch((err: unknown) => log.error('expiry failed', { partition: s.partition, err }));
    }
  };

  m.observeUploads(() => {
    let n = 0;
    for (const s of states.values()) n += s.assembler.open.size;
    return n;
  });

  return {
    async start() {
      spoolDir = createPrivateDir(o.spoolBase, SPOOL_PREFIX);
      log.info('spool folder', { path: spoolDir.path });
      eventCodec = await recordCodec<DeviceEvent>(deps.registry, deps.plan, 'mcf.device-events');
      fileCodec = await recordCodec<FileResultRecord>(deps.registry, deps.plan, 'mcf.files');
      admin = deps.kafka.admin();
      await admin.connect();
      table = new FilesTable(deps.kafka, admin, fileCodec);
      await table.start();
      const c = deps.kafka.consumer({ groupId: o.groupId, sessionTimeout: o.sessionTimeoutMs, heartbeatInterval: HEARTBEAT_MS, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024,
        maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
      consumer = c;
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        const assigned = new Set((payload.memberAssignment[chunksTopic] ?? []).map((p) => PartitionProducers.key(chunksTopic, p)));
        for (const s of [...states.values()]) if (!assigned.has(PartitionProducers.key(chunksTopic, s.partition))) dropState(s);
        void producers.retain(assigned);
        log.info('assignment', { partitions: payload.memberAssignment[chunksTopic] ?? [] });
      });
      await c.connect();
      await c.subscribe({ topic: chunksTopic, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
          const s = state(batch.partition);
          await withLock(s, async () => {
            for (const msg of batch.messages) {
              if (!isRunning() || isStale() || stopping) break;
              try {
                await handleMessage(s, msg, heartbeat);
              } catch (err) {
                // A fault (fencing, broker error): forget this partition's uploads and go back to the
                // committed offset; replay rebuilds them, and the files table makes the replay idempotent.
                log.error('partition failed; replaying from the committed offset', { partition: s.partition, offset: msg.offset, err });
                const from = s.committed < 0n ? null : s.committed;
                dropState(s);
                const n = (failures.get(batch.partition) ?? 0) + 1;
                failures.set(batch.partition, n);
                // Heartbeat through the backoff: a sleep of up to 30 s against a 30 s session timeout
                // cost the group membership and started a rebalance loop (audit finding).
                await withHeartbeat(new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(n, 6)))), heartbeat, HEARTBEAT_MS);
                if (from !== null) c.seek({ topic: chunksTopic, partition: batch.partition, offset: String(from) });
                else throw err;
                return;
              }
              resolveOffset(msg.offset);
              s.processed = BigInt(msg.offset) + 1n;
              failures.delete(batch.partition);
            }
            // Commit progress over chunks that produced no output: only as far as messages were
            // handled (the loop may have stopped early), never past an open upload.
            if (states.get(s.partition) === s && s.processed > 0n) {
              const point = commitPoint(s, s.processed);
              if (point > s.committed) await transaction(s, () => undefined, point);
            }
            m.consumerLag.set({ stage: 'splitter', topic: chunksTopic, partition: String(batch.partition) }, Number(batch.offsetLag()));
          });
          await heartbeat();
        },
      });
      timer = setInterval(() => void expireUploads(), o.expiryCheckMs);
      timer.unref();
    },
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await consumer?.disconnect().catch(() => undefined);
      for (const s of [...states.values()]) dropState(s);
      await producers.closeAll();
      await table?.stop().catch(() => undefined);
      await admin?.disconnect().catch(() => undefined);
      spoolDir?.remove();
    },
  };
}
