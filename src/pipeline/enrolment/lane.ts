import type { KafkaMessage, Message } from 'kafkajs';
import { attemptCounter, requestId as duisRequestId, type SmsoAdapter } from '../../core/contracts/smso.js';
import { decide, type LaneInstallation } from '../../core/enrolment/decide.js';
import { adjustUsage } from '../../core/enrolment/quantity.js';
import { attemptStarted, commissioned, migratedDevices, rolledBack, type SmiRecord } from '../../core/enrolment/smi.js';
import type { InstallationCode } from '../../core/errors/codes.js';
import { errorCode } from '../../core/errors/s1mig-error.js';
import { DecidedRanges } from '../../core/flow/decided-ranges.js';
import type { KeyedCapacity, Lease } from '../../core/flow/keyed-capacity.js';
import { OpenOffsets } from '../../core/flow/open-offsets.js';
import { coded } from '../../core/outcome/messages.js';
import type { EnrolmentMetrics } from '../../adapters/metrics/enrolment-metrics.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { RecordCodec } from '../codecs.js';
import { installationKey, type EnrolmentDevice, type EnrolmentRequestRecord, type InstallationOutcomeRecord, type MigrationRecord } from '../records.js';
import type { DeadLetter, PartitionContext } from '../runtime/stage.js';
import type { EnrolmentOptions } from './options.js';
import { runAttempt, type AttemptResult } from './smso-call.js';
import type { FaultHook } from './faults.js';
import { Overlay, stateKey, type EnrolmentTables } from './tables.js';
import { PassAlerts, type AlertCause, type AlertDeps } from './alerts.js';
import type { AlertCode } from '../../core/alerts/alert-codes.js';
import type { AlertCounts } from '../../core/alerts/plan.js';

/** What every lane of a process shares. */
export interface LaneDeps {
  readonly tables: EnrolmentTables;
  readonly requests: RecordCodec<EnrolmentRequestRecord>;
  readonly outcomes: RecordCodec<InstallationOutcomeRecord>;
  readonly capacity: KeyedCapacity;
  readonly adapter: (smso: string) => SmsoAdapter | undefined;
  readonly perDay: (smso: string) => number;
  readonly originator: string;
  readonly options: Readonly<EnrolmentOptions>;
  readonly metrics: EnrolmentMetrics;
  readonly logger: Logger;
  /** Runs a pass of the lane under its partition's lock, if the lane is still held. */
  readonly schedule: (lane: Lane) => void;
  /** True once the stage is stopping: attempts in flight finish and are recorded, none starts. */
  readonly draining: () => boolean;
  /** Test-only crash points (faults.ts). */
  readonly fault: FaultHook;
  readonly alerts: AlertDeps;
}

interface Running {
  readonly requestId: string;
  readonly attempt: number;
  readonly claim: 'committed' | 'excess';
  readonly maReference: string;
  readonly status: 'valid' | 'partial';
  readonly devices: readonly EnrolmentDevice[];
  readonly previous: ReadonlyMap<string, SmiRecord | null>;
  lease: Lease | null;
}

interface Entry {
  readonly offset: bigint;
  readonly req: EnrolmentRequestRecord;
  readonly inst: LaneInstallation;
  running: Running | null;
  /** Told to wait at least once (so a day that ends now ends its wait: `day-ended`). */
  waited: boolean;
}

/** How soon a lane tries again to decode requests the registry could not give a schema for. */
const REGISTRY_RETRY_MS = 1000;

/**
 * One lane (a partition of enrolment.lanes): a bounded window of installations in input
 * order, decided in passes. A pass applies the SMSO results that came in, takes waiting
 * messages into the window, decides every installation not in flight (docs/architecture.md,
 * "Enrolment"), and writes it all in one transaction with the lane's progress; the SMSO is
 * called only after that commit, and its answers wait for the next pass.
 */
export class Lane {
  ready = false;
  dropped = false;
  private readonly entries = new Map<bigint, Entry>();
  private readonly backlog: KafkaMessage[] = [];
  private readonly open = new OpenOffsets();
  private decided = new DecidedRanges();
  private lastSeen = -1n;
  private readonly completions: Array<{ entry: Entry; result: AttemptResult }> = [];
  private readonly dead: DeadLetter[] = [];
  private readonly spare = new Map<string, Lease>();
  private readonly enqueued = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private calls = 0;
  private lastFullPass = Number.NEGATIVE_INFINITY;
  /** SMSOs whose waiting gauge this lane has set (set back to 0 when none of theirs waits). */
  private readonly seenSmsos = new Set<string>();

  constructor(readonly partition: number, private readonly d: LaneDeps) {}

  /** The lowest input offset still open (in the window, waiting in the backlog, in flight). */
  floor(): bigint | null {
    return this.open.lowest();
  }

  get inFlightCalls(): number {
    return this.calls;
  }

  /** First use after an assignment: fence the previous owner, read what it committed. */
  async init(ctx: PartitionContext<Lane>): Promise<void> {
    await ctx.fence();
    await this.d.tables.catchUp(this.d.options.tableCatchUpMs);
    this.decided = new DecidedRanges(this.d.tables.state.get(stateKey.lane(this.partition))?.lane?.decided ?? []);
    this.decided.prune(Number(ctx.committed));
    this.ready = true;
  }

  /** Takes a batch: into the window while it has room, the rest waits in the backlog with the partition paused. */
  take(messages: readonly KafkaMessage[], ctx: PartitionContext<Lane>): void {
    for (const m of messages) {
      const offset = BigInt(m.offset);
      if (offset <= this.lastSeen) continue;
      this.lastSeen = offset;
      if (this.decided.has(Number(offset))) continue; // decided before a restart; its outputs are in
      this.open.open(offset);
      this.backlog.push(m);
    }
    if (this.backlog.length > 0) ctx.pause();
  }

  drop(): void {
    this.dropped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    for (const l of this.spare.values()) l.release();
    this.spare.clear();
    for (const e of this.entries.values()) e.running?.lease?.release();
  }

  /** Offset after the last message taken. */
  /** When requests wait for the registry (their decode failed on it), the next try. */
  private registryRetryAt: number | null = null;

  get next(): bigint {
    return this.lastSeen + 1n;
  }

  async pass(ctx: PartitionContext<Lane>): Promise<void> {
    if (!this.ready || this.dropped) return;
    // The leases of attempts completed in this pass are released once their outcomes are
    // committed. A pass that fails before that (a broker outage, a failed signature) must
    // release them too: their entries have left the window, so drop() no longer sees them,
    // and each one lost held a unit of the SMSO's maxInFlight for ever. With two lost at a
    // maxInFlight of 2 the lane stalled for good (issue 13's broker-restart test). The
    // attempts are not lost: the lane that reads them again resumes them with a new lease.
    const releases: Lease[] = [];
    try {
      await this.passWith(ctx, releases);
    } catch (err) {
      for (const l of releases) l.release();
      throw err;
    }
  }

  private async passWith(ctx: PartitionContext<Lane>, releases: Lease[]): Promise<void> {
    const now = this.d.options.now();
    const ov = new Overlay(this.d.tables, this.d.perDay);
    const alerts = new PassAlerts(this.d.alerts);
    const outcomes: Array<{ readonly record: InstallationOutcomeRecord; readonly smso: string }> = [];
    const launches: Entry[] = [];
    let decidedChanged = false;
    const finish = (e: Entry): void => {
      this.entries.delete(e.offset);
      this.open.close(e.offset);
      this.decided.add(Number(e.offset));
      decidedChanged = true;
    };

    let rollback = false;
    for (const { entry, result } of this.completions.splice(0)) {
      if (result.kind === 'abandoned' || entry.running === null) continue;
      rollback ||= result.kind === 'failed';
      outcomes.push({ record: this.complete(entry, entry.running, result, ov, alerts, now), smso: entry.req.smso });
      if (entry.running.lease) releases.push(entry.running.lease);
      finish(entry);
    }
    this.registryRetryAt = null;
    await this.admit(ctx);

    let wakeAt = Number.POSITIVE_INFINITY;
    const blocked = new Set<string>();
    // Behind an SMSO at its maxInFlight or perSecond, what follows cannot start this pass:
    // it is decided again only in a full pass (at least every recheckMs), so a pass costs
    // what it starts, not the whole window (a capped SMSO is woken at its rate).
    const full = now - this.lastFullPass >= this.d.options.recheckMs;
    if (full) this.lastFullPass = now;
    // A draining lane only records: what it has not started is left, uncommitted, to the
    // lane's next owner, so the drain lasts one SMSO answer, not until the window is empty
    // (issue 13's scale-out test: every drain took the full drainMs while attempts kept starting).
    const draining = this.d.draining();
    for (const e of [...this.entries.values()]) {
      if (e.running !== null || draining) continue;
      const smso = e.req.smso;
      if (blocked.has(smso) && !full) continue;
      const a = decide(e.inst, ov, now, e.waited);
      if (a.kind === 'wait') {
        e.waited = true;
        wakeAt = Math.min(wakeAt, a.untilMs);
        continue;
      }
      if (a.kind === 'not-enrolled') {
        const sent = a.outcome.errors.includes('INST_ATTEMPTS_EXHAUSTED') ? alerts.add(alertCause(e.req, 'S1MIG_MIGRATION_EXCLUDED', e.req.devices, null, null, now)) : null;
        outcomes.push({ record: this.outcome(e.req, a.outcome.status, a.outcome.errors, { status: 'not_enrolled', attempt: null, code: null, requestId: null, atMs: null }, now, sent), smso });
        this.d.metrics.notAuthorised.inc({ smso, cause: a.cause });
        finish(e);
        continue;
      }
      const chfId = e.inst.chf!;
      const chf = ov.chfState(chfId);
      const dormant = a.kind === 'start' && a.dormant;
      let lease: Lease | null = null;
      if (!dormant) {
        if (blocked.has(smso)) continue;
        lease = this.takeLease(smso);
        if (lease === null) {
          blocked.add(smso);
          continue;
        }
      }
      if (a.kind === 'resume') {
        const f = chf!.inFlight!;
        const status = e.req.offlineStatus === 'partial' ? 'partial' : 'valid';
        e.running = { requestId: f.requestId, attempt: f.attempt, claim: f.claim, maReference: f.maReference, status,
          devices: migratedDevices(status, e.req.devices), previous: new Map(JSON.parse(f.previous) as Array<[string, SmiRecord | null]>), lease };
        launches.push(e);
        continue;
      }
      // A start is when its capacity was granted (what perSecond counts); a dormant one takes none.
      const at = lease?.startedAtMs ?? now;
      const status = a.outcome.status === 'partial' ? 'partial' : 'valid';
      const devices = migratedDevices(status, e.req.devices);
      const requestId = duisRequestId(this.d.originator, chfId, attemptCounter(e.req.fileKey, e.req.installationId, a.attempt, 'commission'));
      const previous = new Map(devices.map((dev) => [dev.deviceId, ov.smi(dev.deviceId) ?? null] as const));
      for (const dev of devices) ov.putSmi(attemptStarted(previous.get(dev.deviceId) ?? undefined, dev, { chf: chfId, smso, requestId, atMs: at }));
      const maKey = stateKey.ma(e.req.migrationAuthorisation);
      ov.put(maKey, { ma: adjustUsage(ov.maUsage(e.req.migrationAuthorisation), a.claim, 1) });
      const failedAttempts = chf?.failedAttempts ?? 0;
      if (dormant) {
        ov.put(stateKey.chf(chfId), { chf: { failedAttempts, migrated: true, lastRequestId: requestId, inFlight: null } });
        const sent = alerts.add(alertCause(e.req, 'S1MIG_DORMANT_MIGRATED', devices, requestId, null, now));
        outcomes.push({ record: this.outcome(e.req, a.outcome.status, a.outcome.errors, { status: 'migrated_dormant', attempt: a.attempt, code: null, requestId, atMs: now }, now, sent), smso });
        finish(e);
        continue;
      }
      ov.put(stateKey.day(smso, a.migrationDate), { day: { started: ov.dayStarted(smso, a.migrationDate) + 1 } });
      ov.put(stateKey.chf(chfId), { chf: { failedAttempts, migrated: false, lastRequestId: chf?.lastRequestId ?? null, inFlight: {
        requestId, attempt: a.attempt, fileKey: e.req.fileKey, installationId: e.req.installationId, claim: a.claim, maReference: e.req.migrationAuthorisation,
        migrationDate: a.migrationDate, startedAtMs: at, previous: JSON.stringify([...previous]),
      } } });
      outcomes.push({ record: this.outcome(e.req, a.outcome.status, a.outcome.errors, { status: 'in_progress', attempt: a.attempt, code: null, requestId, atMs: at }, now), smso });
      e.running = { requestId, attempt: a.attempt, claim: a.claim, maReference: e.req.migrationAuthorisation, status, devices, previous, lease };
      launches.push(e);
      this.d.metrics.started.inc({ smso });
    }

    const floor = this.open.lowest() ?? this.next;
    this.decided.prune(Number(floor));
    if (decidedChanged) ov.put(stateKey.lane(this.partition), { lane: { decided: this.decided.toJSON() } });
    const messages: Message[] = [];
    for (const { record: o } of outcomes) messages.push({ key: installationKey(o.fileKey, o.installationId), value: await this.d.outcomes.encode(o) });
    if (rollback) this.d.fault('during-rollback');
    await ctx.commit([{ topic: this.d.outcomes.topic, messages }, ...(await ov.messages()), ...(await alerts.messages())], this.next, this.dead.splice(0));
    ov.apply();
    alerts.committed();
    this.count(outcomes, ov);
    for (const l of releases) l.release();
    // Decided before the drain began, committed after: recorded in flight, so the lane's next
    // owner sends them with these request IDs (as after a crash between commit and call).
    for (const e of launches) {
      if (this.d.draining()) e.running!.lease?.release();
      else this.launch(e);
    }
    for (const smso of blocked) this.whenCapacity(smso);
    this.wakeAt(Math.min(wakeAt, this.registryRetryAt ?? Number.POSITIVE_INFINITY), now);
  }

  /** Moves backlog messages into the window while it has room; resumes the partition once the backlog is empty. */
  private async admit(ctx: PartitionContext<Lane>): Promise<void> {
    while (this.backlog.length > 0 && this.entries.size < this.d.options.maxWindow) {
      const m = this.backlog.shift()!;
      const offset = BigInt(m.offset);
      let req: EnrolmentRequestRecord;
      try {
        if (m.value === null) throw new Error('no value');
        req = await this.d.requests.decode(m.value);
      } catch (err) {
        // The registry away is no fault of the record (no dead letter): it goes back to the
        // head of the backlog, and the lane tries again in a second; the pass goes on with
        // what it has, so attempts that completed are still recorded.
        if (errorCode(err) === 'REGISTRY_UNAVAILABLE') {
          this.backlog.unshift(m);
          this.registryRetryAt = this.d.options.now() + REGISTRY_RETRY_MS;
          this.d.logger.warn('the Schema Registry did not answer; enrolment requests wait for it', { error: err });
          break;
        }
        this.dead.push({ message: m, reason: `undecodable enrolment request: ${(err as Error).message}`, label: 'undecodable' });
        this.open.close(offset);
        continue;
      }
      const inst: LaneInstallation = {
        fileKey: req.fileKey, installationId: req.installationId, smso: req.smso, maReference: req.migrationAuthorisation, migrationType: req.migrationType,
        chf: req.chf, offline: { status: req.offlineStatus, errors: req.offlineErrors.map((e) => e.code as InstallationCode) }, devices: req.devices,
      };
      this.entries.set(offset, { offset, req, inst, running: null, waited: false });
    }
    if (this.backlog.length === 0) ctx.resume();
  }

  private complete(e: Entry, r: Running, result: Exclude<AttemptResult, { kind: 'abandoned' }>, ov: Overlay, alerts: PassAlerts, now: number): InstallationOutcomeRecord {
    const chfId = e.inst.chf!;
    const chf = ov.chfState(chfId);
    const failedAttempts = chf?.failedAttempts ?? 0;
    // A finished attempt keeps the codes it started with: the offline ones (the checks found nothing more).
    const codes = e.inst.offline.errors;
    if (result.kind === 'done') {
      for (const dev of r.devices) {
        const cur = ov.smi(dev.deviceId);
        if (cur !== undefined) ov.putSmi(commissioned(cur, r.requestId, result.atMs));
      }
      ov.put(stateKey.chf(chfId), { chf: { failedAttempts, migrated: true, lastRequestId: r.requestId, inFlight: null } });
      const status = r.status === 'partial' ? 'migrated_partial' : 'migrated';
      // Every meter commissioned gets its N55, whoever commissioned it (TMAD v1.4 6.5): the attempt's devices are exactly those.
      const sent = alerts.add(alertCause(e.req, 'N55', r.devices, r.requestId, null, result.atMs));
      return this.outcome(e.req, r.status, codes, { status, attempt: r.attempt, code: null, requestId: r.requestId, atMs: result.atMs }, now, sent);
    }
    for (const dev of r.devices) {
      const cur = ov.smi(dev.deviceId);
      if (cur !== undefined) ov.putSmi(rolledBack(r.previous.get(dev.deviceId) ?? undefined, cur, r.requestId, now, result.code));
    }
    ov.put(stateKey.chf(chfId), { chf: { failedAttempts: failedAttempts + 1, migrated: false, lastRequestId: r.requestId, inFlight: null } });
    ov.put(stateKey.ma(r.maReference), { ma: adjustUsage(ov.maUsage(r.maReference), r.claim, -1) });
    this.d.metrics.failures.inc({ smso: e.req.smso, code: result.code });
    const sent = alerts.add(alertCause(e.req, 'S1MIG_MIGRATION_FAILED', r.devices, r.requestId, result.code, now));
    this.d.logger.info('migration attempt failed', { smso: e.req.smso, chf: chfId, attempt: r.attempt, code: result.code, reason: result.reason });
    return this.outcome(e.req, r.status, codes, { status: 'failed', attempt: r.attempt, code: result.code, requestId: r.requestId, atMs: now }, now, sent);
  }

  private outcome(req: EnrolmentRequestRecord, status: InstallationOutcomeRecord['status'], codes: readonly InstallationCode[], migration: MigrationRecord, now: number,
    alerts: AlertCounts | null = null): InstallationOutcomeRecord {
    // The offline codes keep their messages (the detail they carry); the stage's own get the catalogue's.
    const byCode = new Map(req.offlineErrors.map((i) => [i.code, i]));
    return {
      fileKey: req.fileKey, fileId: req.fileId, installationId: req.installationId, installationIndex: req.installationIndex, purpose: 'Migration',
      stage: 'enrolment', attempt: migration.attempt ?? 0, status, errors: codes.map((c) => byCode.get(c) ?? coded(c)), devices: [], deviceSegments: 0,
      decidedAtMs: now, migration, alerts: alerts === null ? null : { ...alerts },
    };
  }

  private takeLease(smso: string): Lease | null {
    const spare = this.spare.get(smso);
    if (spare !== undefined) {
      this.spare.delete(smso);
      return spare;
    }
    return this.d.capacity.tryAcquire(smso);
  }

  /** Blocked on maxInFlight or perSecond: one queued request per SMSO wakes the lane when capacity frees. */
  private whenCapacity(smso: string): void {
    if (this.enqueued.has(smso)) return;
    const p = this.d.capacity.tryEnqueue(smso);
    if (p === null) return;
    this.enqueued.add(smso);
    void p.then((lease) => {
      this.enqueued.delete(smso);
      if (this.dropped) return lease.release();
      this.spare.set(smso, lease);
      this.d.schedule(this);
    });
  }

  private wakeAt(untilMs: number, now: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!Number.isFinite(untilMs) && this.completions.length === 0) return;
    // Waiting work is looked at again at least every recheckMs: an MA published or withdrawn changes the reservation.
    const ms = Math.max(5, Math.min(untilMs - now, this.d.options.recheckMs));
    this.timer = setTimeout(() => this.d.schedule(this), ms);
    this.timer.unref();
  }

  private launch(e: Entry): void {
    const r = e.running!;
    const smso = e.req.smso;
    const adapter = this.d.adapter(smso);
    this.calls++;
    this.d.metrics.inFlight.inc({ smso });
    const removeId = duisRequestId(this.d.originator, e.inst.chf!, attemptCounter(e.req.fileKey, e.req.installationId, r.attempt, 'remove-access'));
    const attempt: Promise<AttemptResult> = adapter === undefined
      ? Promise.resolve({ kind: 'failed', code: 'ENR_CHF_UNREACHABLE', reason: `no SMSO adapter configured for ${smso}` })
      : runAttempt(adapter, { requestId: r.requestId, smso, chf: e.inst.chf!, devices: r.devices.map((dev) => ({ deviceId: dev.deviceId, deviceType: dev.deviceType })) },
        { requestId: removeId, smso, devices: r.devices.map((dev) => dev.deviceId) }, {
          timeoutMs: this.d.options.commissionTimeoutMs, errorBackoffMs: 200, now: this.d.options.now,
          sleep: (ms) => new Promise((res) => setTimeout(res, ms).unref()), abandoned: () => this.dropped,
          onError: (operation, err) => this.d.logger.warn('SMSO call failed; retrying with the same request ID', { smso, operation, requestId: r.requestId, error: err }),
        });
    this.d.fault('after-send');
    void attempt.catch((err: unknown): AttemptResult => ({ kind: 'failed', code: 'ENR_CHF_UNREACHABLE', reason: String(err) })).then((result) => {
      if (result.kind !== 'abandoned') this.d.fault('before-record');
      this.calls--;
      this.d.metrics.inFlight.dec({ smso });
      if (this.dropped) {
        r.lease?.release();
        return;
      }
      this.completions.push({ entry: e, result });
      this.d.schedule(this);
    });
  }

  private count(outcomes: ReadonlyArray<{ readonly record: InstallationOutcomeRecord; readonly smso: string }>, ov: Overlay): void {
    const m = this.d.metrics;
    for (const { record: o, smso } of outcomes) if (o.migration !== null && o.migration.status !== 'in_progress') m.outcomes.inc({ smso, status: o.migration.status });
    ov.forEachWrite((key, row) => {
      if (row.ma !== null) {
        m.maUsed.set({ ma: key.slice(3), claim: 'committed' }, row.ma.committedUsed);
        m.maUsed.set({ ma: key.slice(3), claim: 'excess' }, row.ma.excessUsed);
      } else if (row.day !== null) {
        const [, smso, day] = key.split('|');
        m.dayUsed.set({ smso: smso!, day: day! }, row.day.started);
        m.dayReserved.set({ smso: smso!, day: day! }, ov.unusedCommitment(smso!, day!));
      }
    }, (rec) => m.smiChanges.inc({ status: rec.status ?? 'none' }));
    const waiting = new Map<string, number>([...this.seenSmsos].map((smso) => [smso, 0]));
    for (const e of this.entries.values()) if (e.running === null) waiting.set(e.req.smso, (waiting.get(e.req.smso) ?? 0) + 1);
    for (const [smso, n] of waiting) {
      m.waiting.set({ smso }, n);
      this.seenSmsos.add(smso);
    }
  }

}

function alertCause(req: EnrolmentRequestRecord, code: AlertCode, meters: readonly EnrolmentDevice[], requestId: string | null, info: string | null, atMs: number): AlertCause {
  return { code, meters, requestId, additionalInformation: info, atMs, fileKey: req.fileKey, installationId: req.installationId, smso: req.smso };
}
