import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka, KafkaMessage, Message } from 'kafkajs';
import { createPrivateDir, type PrivateDir } from '../../adapters/fs/private-dir.js';
import { spoolErrno, type SpoolFault } from '../../adapters/fs/spool-disk.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { PipelineMetrics } from '../../adapters/metrics/pipeline-metrics.js';
import type { Reference } from '../../core/reference/index.js';
import { topicName, type TopicPlanEntry } from '../../adapters/topics/definitions.js';
import { UploadAssembler, type ChunkVerdict } from '../../core/transfer/assembler.js';
import { fileKeyOf, parseChunkMeta } from '../../core/transfer/chunk-headers.js';
import { recordCodec, type RecordCodec } from '../codecs.js';
import type { PartitionContext, Stage } from '../runtime/stage.js';
import { startStageRuntime, type StageRuntime } from '../runtime/stage-runtime.js';
import { AuthorisationTable } from '../enrolment/authorisation-table.js';
import type { MigrationAuthorisation } from '../../core/inputs/authorisations.js';
import type { EnrolmentStateRecord } from '../records.js';
import { FilesTable } from '../files-table.js';
import { deviceEventKey, fileResultKey, type DeviceEvent, type FileResultRecord } from '../records.js';
import { emissionRuns, installationEvents, type EmissionRun } from './emitter.js';
import { fileVerdict, transferRejection } from './file-verdict.js';
import { splitterOptions, type SplitterOptions } from './options.js';
import { SpoolHealth } from './spool-health.js';
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
  /** The consumer stopped for good (stage-runtime.ts RuntimeDeps.onFatal). */
  onFatal?: (reason: string, err: unknown) => void;
  /** Injectable clock (tests): local time for timeouts and decision stamps. */
  now?: () => number;
  /**
   * Test seam: called with an upload's spool path once pass 1 has ended, before the spool is
   * read back (the tests that tamper with a spool between its two passes use it).
   */
  spoolSealed?: (path: string) => void;
  /** Test seam at the spool's file-system boundary (adapters/fs/spool-disk.ts): a full or unwritable disk. */
  spoolFault?: SpoolFault;
}

interface PartitionState {
  readonly partition: number;
  readonly assembler: UploadAssembler;
  readonly sessions: Map<string, UploadSession>;
  /** Offset after the last message handled (the transfer timeout's commit point). */
  processed: bigint;
}

type Ctx = PartitionContext<PartitionState>;

/**
 * The splitter: reassembles MCF uploads per partition, verifies them while they arrive
 * (transfer, structure, signature, counts, key, freshness, duplicates) and emits nothing
 * until a file is verified; then emits its device events from the spool in transactions that
 * also record the emission progress and commit the input offsets (pipeline.md, guarantee 1).
 * Input offsets never pass the first chunk of an upload in progress (the commit floor); the
 * Kafka loop is the stage runtime's.
 */
export function createSplitterStage(deps: SplitterDeps, partial: Partial<SplitterOptions> = {}): Stage {
  const o = splitterOptions(partial);
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ stage: 'splitter' });
  const m = deps.metrics;
  let runtime: StageRuntime<PartitionState> | null = null;
  let admin: Admin | null = null;
  let table: FilesTable | null = null;
  let authorisations: AuthorisationTable | null = null;
  let eventCodec: RecordCodec<DeviceEvent>;
  let fileCodec: RecordCodec<FileResultRecord>;
  let timer: NodeJS.Timeout | null = null;
  /**
   * This process's own spool folder (fresh, 0700), removed on stop. Made at start, or, when
   * the disk refused it then, by the first upload after: a disk that refuses the spool stalls
   * uploads (retried, SPOOL_UNAVAILABLE) but never stops the process, whose other stages go on.
   */
  let spoolDir: PrivateDir | null = null;
  const health = new SpoolHealth(log, m);
  /** Makes every spool file name new within the folder (they are created exclusively). */
  let spoolSeq = 0;

  const spoolFolder = (): string => {
    if (spoolDir === null) {
      spoolDir = createPrivateDir(o.spoolBase, SPOOL_PREFIX, deps.spoolFault);
      log.info('spool folder', { path: spoolDir.path });
    }
    return spoolDir.path;
  };

  /** A spool failure is counted and told once (SpoolHealth); a folder found gone is made anew on the retry. */
  const spoolFailed = (err: unknown): void => {
    if (!health.failed(err)) return;
    if (spoolErrno(err) === 'ENOENT' && spoolDir !== null && !spoolDir.exists()) spoolDir = null;
  };

  const createState = (partition: number): PartitionState =>
    ({ partition, assembler: new UploadAssembler({ maxFileBytes: o.maxFileBytes, timeoutMs: o.transferTimeoutMs }), sessions: new Map(), processed: 0n });

  const dropState = (st: PartitionState): void => {
    for (const session of st.sessions.values()) session.discard();
    st.sessions.clear();
  };

  const publishResult = async (ctx: Ctx, record: FileResultRecord, upTo: bigint): Promise<void> => {
    const value = fileCodec.encodeSync(record);
    await ctx.commit([{ topic: fileCodec.topic, messages: [{ key: fileResultKey(record), value }] }], upTo);
    table?.apply(record);
    m.files.inc({ status: record.status, code: record.errors[0]?.code ?? 'none' });
    for (const e of record.errors) m.outcomeCodes.inc({ level: 'file', code: e.code });
    log.info('file result', { fileKey: record.fileKey, status: record.status, codes: record.errors.map((e) => e.code), installations: record.installations, devices: record.devices });
  };

  /** Pass 2: device events of a verified file, in transactions that record progress. */
  const emit = async (ctx: Ctx, session: UploadSession, record: FileResultRecord, header: Parameters<typeof installationEvents>[1],
    firstOffset: bigint, after: bigint): Promise<void> => {
    let progress = record;
    if (record.emittedInstallations === 0 && record.installations === 0) {
      await publishResult(ctx, { ...record, emissionComplete: true }, after);
      return;
    }
    let first = true;
    // A record written before emittedDevices existed decodes without it (the writer's schema).
    const from = { installations: record.emittedInstallations, devices: record.emittedDevices ?? 0 };
    const runs = emissionRuns(session.spool.read(), from, o.devicesPerTransaction, session.oversized, session.duplicates);
    const interrupted = (): Error => new Error('emission interrupted: the partition is no longer being processed here');
    /** The next run read from the spool, its events built and encoded; null after the last. */
    const build = async (): Promise<{ run: EmissionRun; messages: Message[] } | null> => {
      const next = await runs.next();
      if (next.done) return null;
      if (!ctx.active) throw interrupted();
      const messages: Message[] = [];
      for (const unit of next.value.units) {
        for (const ev of installationEvents(progress.fileKey, header, progress.installations, unit.inst, session.duplicates, progress.receivedAtMs, unit.segment)) {
          messages.push({ key: deviceEventKey(ev), value: eventCodec.encodeSync(ev) });
        }
      }
      return { run: next.value, messages };
    };
    try {
      let built = await build();
      while (built !== null) {
        const { run, messages } = built;
        if (!ctx.active) throw interrupted();
        const done = run.installationsDone === progress.installations;
        progress = { ...progress, emittedInstallations: run.installationsDone, emittedDevices: run.devicesDone, emissionComplete: done, decidedAtMs: progress.decidedAtMs };
        const progressValue = fileCodec.encodeSync(progress);
        // Until the last run the offsets stay at the upload's first chunk, so a crash re-reads it.
        const committing = ctx.commit([
          { topic: eventCodec.topic, messages },
          { topic: fileCodec.topic, messages: [{ key: fileResultKey(progress), value: progressValue }] },
        ], done ? after : firstOffset);
        // The next run is read and built while this one's transaction is on the wire (issue 14);
        // it is committed only after this one, and dropped with it if this commit fails.
        const following = done ? Promise.resolve(null) : build();
        following.catch(() => undefined); // awaited below, after the commit; never unhandled meanwhile
        await committing;
        table?.apply(progress);
        m.devices.inc({ stage: 'splitter' }, run.devices);
        if (done) {
          // The splitter's part of the file is complete: every device event is on its topic.
          log.info('file emitted', { fileKey: progress.fileKey, installations: progress.installations, devices: progress.devices, ms: Date.now() - progress.receivedAtMs });
        }
        if (first) {
          m.files.inc({ status: 'accepted', code: 'none' });
          log.info('file accepted, emitting', { fileKey: progress.fileKey, installations: progress.installations, devices: progress.devices, from: record.emittedInstallations });
          first = false;
        }
        await ctx.heartbeat();
        built = await following;
      }
    } finally {
      // Closes the spool's reader, also when a commit failed with the next run read ahead.
      await runs.return(undefined);
    }
  };

  const onVerdict = async (ctx: Ctx, v: ChunkVerdict, value: Buffer, offset: bigint): Promise<void> => {
    const st = ctx.state;
    switch (v.kind) {
      case 'accepted-chunk': {
        let session = st.sessions.get(v.upload.fileKey);
        if (!session) {
          session = new UploadSession(spoolFolder(), `${++spoolSeq}-${ctx.topic}-${st.partition}-${v.upload.firstOffset}`, deps.spoolFault);
          st.sessions.set(v.upload.fileKey, session);
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
        st.sessions.get(v.fileKey)?.discard();
        st.sessions.delete(v.fileKey);
        const upload = v.upload ? `${st.partition}:${v.upload.firstOffset}` : `${st.partition}:${offset}`;
        if (table?.wasRejected(v.fileKey, upload)) return;
        await publishResult(ctx, transferRejection(v.fileKey, upload, v.code, v.reason, v.upload?.receivedAtMs ?? now(), now()), offset + 1n);
        return;
      }
      case 'complete': {
        const session = st.sessions.get(v.upload.fileKey)!;
        st.sessions.delete(v.upload.fileKey);
        try {
          const scan = session.finish();
          // A whole upload spooled: the disk takes files again (a full disk takes the first
          // chunks of every retry, so a single write would say so too early, at each retry).
          health.ok();
          deps.spoolSealed?.(session.spool.path);
          await Promise.all([table!.catchUp(), authorisations!.catchUp()]);
          const upload = `${st.partition}:${v.upload.firstOffset}`;
          const verdict = fileVerdict({
            fileKey: v.upload.fileKey, upload, sha256: v.upload.meta.sha256, scan, receivedAtMs: v.upload.receivedAtMs, nowMs: now(),
            maxFileAgeSec: o.maxFileAgeSec, accepted: table!.acceptedRecord(v.upload.fileKey),
            authorise: (ma, smso) => authorisations!.check(ma, smso, now()),
          }, deps.ref);
          if (verdict.kind === 'rejected') {
            if (!table!.wasRejected(v.upload.fileKey, upload)) await publishResult(ctx, verdict.record, offset + 1n);
          } else if (verdict.kind === 'replay' && verdict.record.emissionComplete) {
            log.info('replayed upload already emitted', { fileKey: verdict.record.fileKey, upload });
          } else {
            await emit(ctx, session, verdict.record, verdict.header, BigInt(v.upload.firstOffset), offset + 1n);
          }
        } finally {
          session.discard();
        }
      }
    }
  };

  const handleMessage = async (ctx: Ctx, msg: KafkaMessage): Promise<void> => {
    const offset = BigInt(msg.offset);
    m.records.inc({ stage: 'splitter' });
    const meta = parseChunkMeta(msg.headers);
    const key = fileKeyOf(msg.key);
    const value = msg.value;
    if ('error' in meta || typeof key !== 'string' || value === null) {
      const reason = 'error' in meta ? meta.error : typeof key !== 'string' ? key.error : 'chunk without a value';
      await ctx.commit([], offset + 1n, [{ message: msg, reason, label: 'poison' }]);
      return;
    }
    const verdicts = ctx.state.assembler.accept(key, meta, value, msg.offset, Number(msg.timestamp), now());
    for (const v of verdicts) await onVerdict(ctx, v, value, offset);
  };

  /**
   * A failure (a spool refused by its disk among them) fails the batch: the runtime aborts its
   * transaction, drops the partition's state (its spool files with it) and replays from the
   * committed offset after a backoff, so nothing past the upload's first chunk is committed,
   * skipped or dead-lettered, and the file is finished once when the disk is back.
   */
  const processBatch = async (messages: readonly KafkaMessage[], ctx: Ctx): Promise<bigint> => {
    try {
      for (const msg of messages) {
        if (!ctx.active) break;
        await handleMessage(ctx, msg);
        ctx.state.processed = BigInt(msg.offset) + 1n;
      }
    } catch (err) {
      spoolFailed(err);
      throw err;
    }
    return ctx.state.processed;
  };

  const expireUploads = async (): Promise<void> => {
    await runtime?.forEachPartition(async (ctx) => {
      for (const v of ctx.state.assembler.expire(now())) await onVerdict(ctx, v, Buffer.alloc(0), ctx.state.processed - 1n);
    });
  };

  m.observeUploads(() => {
    let n = 0;
    for (const st of runtime?.states() ?? []) n += st.assembler.open.size;
    return n;
  });

  return {
    async start() {
      try {
        spoolFolder();
      } catch (err) {
        // A bad base (CONFIG_INVALID) stops the start; a disk refusing it waits for the first upload.
        if (!health.failed(err)) throw err;
      }
      eventCodec = await recordCodec<DeviceEvent>(deps.registry, deps.plan, 'mcf.device-events');
      fileCodec = await recordCodec<FileResultRecord>(deps.registry, deps.plan, 'mcf.files');
      admin = deps.kafka.admin();
      await admin.connect();
      table = new FilesTable(deps.kafka, admin, fileCodec, (where, error) => log.error('a record on the files topic is not ours: skipped', { ...where, error }));
      authorisations = new AuthorisationTable(deps.kafka, admin, {
        ma: await recordCodec<MigrationAuthorisation>(deps.registry, deps.plan, 'ref.migration-authorisations'),
        state: await recordCodec<EnrolmentStateRecord>(deps.registry, deps.plan, 'enrolment.state'),
      }, `${fileCodec.topic}-authorisations`);
      await Promise.all([table.start(), authorisations.start()]);
      runtime = await startStageRuntime<PartitionState>({ kafka: deps.kafka, metrics: m, logger: deps.logger, dlqTopic: topicName(deps.plan, 'dlq'), ...(deps.onFatal ? { onFatal: deps.onFatal } : {}) }, {
        name: 'splitter',
        inputTopic: topicName(deps.plan, 'mcf.chunks'),
        groupId: o.groupId,
        consumer: { sessionTimeoutMs: o.sessionTimeoutMs, heartbeatMs: HEARTBEAT_MS, maxBytesPerPartition: 4 * 1024 * 1024 },
        retry: { backoffMs: o.retryBackoffMs, backoffMaxMs: o.retryBackoffMaxMs },
        createState,
        dropState,
        // Offsets may not pass the first chunk of any upload still in progress.
        commitFloor: (st) => {
          const low = st.assembler.lowestOpenOffset();
          return low === null ? null : BigInt(low);
        },
        processBatch,
      });
      timer = setInterval(() => void expireUploads(), o.expiryCheckMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await runtime?.stop();
      runtime = null;
      await table?.stop().catch(() => undefined);
      await authorisations?.stop();
      await admin?.disconnect().catch(() => undefined);
      spoolDir?.remove();
    },
  };
}
