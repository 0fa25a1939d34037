import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync, constants } from 'node:fs';
import { Prng } from '../../core/random/prng.js';
import type { CommissionRequest, EnrolmentFailureCode, RemoveAccessRequest, SmsoAdapter, SmsoResult } from '../../core/contracts/smso.js';

/** Latency of the simulated SMSO, in milliseconds (enrolment.md). */
export type LatencySpec =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

export interface SimulatorSettings {
  readonly latency: LatencySpec;
  /** Probability that an attempt fails (seeded). */
  readonly failureProbability: number;
  readonly seed: string;
  /** Requests the simulated SMSO handles at once; more are refused as busy (retriable). */
  readonly capacity: number;
  /** `<CHF EUI>:<n>`: that CHF fails its first n attempts; `<CHF EUI>:*` always. */
  readonly failingChfs: readonly string[];
  /** The code a deterministic or random failure gets. */
  readonly failureCode: EnrolmentFailureCode;
  /**
   * A file where the simulator keeps its record of requests (JSON lines, appended and synced
   * before a request is answered), so that it outlives the process: a request ID answered
   * before a SIGKILL is answered the same afterwards, and a test can prove across restarts
   * that nothing was commissioned twice. Null: in memory only.
   */
  readonly journal: string | null;
}

export const SIMULATOR_DEFAULTS: SimulatorSettings = Object.freeze<SimulatorSettings>({
  latency: { kind: 'fixed', ms: 0 },
  failureProbability: 0,
  seed: 's1mig-smso',
  capacity: 1_000,
  failingChfs: [],
  failureCode: 'ENR_CHF_UNREACHABLE',
  journal: null,
});

/** The simulator's record of requests as its journal holds it (every process that used it). */
export function readJournal(path: string): SimulatedRequest[] {
  return existsSync(path) ? parseJournal(readFileSync(path, 'utf8')) : [];
}

function parseJournal(text: string): SimulatedRequest[] {
  return text.split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try {
      return [JSON.parse(l) as SimulatedRequest];
    } catch {
      return []; // a line cut by a kill mid-write: that request was never answered
    }
  });
}

/** CHFs commissioned, with how many times, in a record of requests (more than once would be a double effect). */
export function commissionedChfs(requests: Iterable<SimulatedRequest>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) if (r.operation === 'commission' && r.result.kind === 'done') out.set(r.target, (out.get(r.target) ?? 0) + 1);
  return out;
}

/** What the simulator did for one request ID: tests prove from it that nothing happened twice. */
export interface SimulatedRequest {
  readonly requestId: string;
  readonly operation: 'commission' | 'remove-access';
  readonly smso: string;
  readonly target: string;
  readonly devices: number;
  readonly result: SmsoResult;
  /** Times the same request ID came again (answered from this record, no second effect). */
  repeats: number;
}

/**
 * The simulated SMSO (the only simulated party): in-process, per SMSO, with the knobs of
 * enrolment.md. A request ID seen before is answered with its first result and has no
 * second effect; a request refused as busy left nothing behind, so its retry is new.
 */
export class SmsoSimulator implements SmsoAdapter {
  private readonly rng: Prng;
  private readonly failuresLeft = new Map<string, number>();
  private readonly alwaysFails = new Set<string>();
  private readonly done = new Map<string, SimulatedRequest>();
  private readonly pending = new Map<string, Promise<SmsoResult>>();
  private active = 0;

  constructor(
    readonly smso: string,
    private readonly settings: SimulatorSettings,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> } = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  ) {
    this.rng = new Prng(`${settings.seed}:${smso}`);
    for (const entry of settings.failingChfs) {
      const m = /^([0-9a-fA-F-]+):(\*|[0-9]+)$/.exec(entry);
      if (m === null) throw new RangeError(`failing CHF entry ${JSON.stringify(entry)} is not <CHF EUI>:<n> or <CHF EUI>:*`);
      const chf = m[1]!.replaceAll('-', '').toLowerCase();
      if (m[2] === '*') this.alwaysFails.add(chf);
      else this.failuresLeft.set(chf, Number(m[2]));
    }
    if (settings.journal !== null) {
      const text = existsSync(settings.journal) ? readFileSync(settings.journal, 'utf8') : '';
      for (const r of parseJournal(text)) {
        if (r.smso !== smso) continue;
        this.done.set(r.requestId, { ...r, repeats: 0 });
        // Deterministic failures already used up by an earlier process stay used.
        const left = this.failuresLeft.get(r.target);
        if (r.operation === 'commission' && r.result.kind === 'failed' && left !== undefined) this.failuresLeft.set(r.target, Math.max(0, left - 1));
      }
      this.journalFd = openSync(settings.journal, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      // A line torn by a kill mid-write is ended, so the next record starts a line of its own.
      if (text.length > 0 && !text.endsWith('\n')) writeSync(this.journalFd, '\n');
    }
  }

  private journalFd: number | null = null;

  /** Every request ID the simulator acted on, with what it answered. */
  get requests(): ReadonlyMap<string, SimulatedRequest> {
    return this.done;
  }

  /** CHFs commissioned, with how many times (more than once would be a double effect). */
  commissionedChfs(): Map<string, number> {
    return commissionedChfs(this.done.values());
  }

  commission(req: CommissionRequest): Promise<SmsoResult> {
    return this.handle(req.requestId, 'commission', req.chf, req.devices.length, () => this.decide(req.chf));
  }

  removeAccess(req: RemoveAccessRequest): Promise<SmsoResult> {
    return this.handle(req.requestId, 'remove-access', req.smso, req.devices.length, () => null);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
    if (this.journalFd !== null) closeSync(this.journalFd);
    this.journalFd = null;
  }

  private handle(id: string, operation: SimulatedRequest['operation'], target: string, devices: number, fail: () => EnrolmentFailureCode | null): Promise<SmsoResult> {
    const seen = this.done.get(id);
    if (seen !== undefined) {
      seen.repeats++;
      return Promise.resolve(seen.result);
    }
    const inFlight = this.pending.get(id);
    if (inFlight !== undefined) return inFlight;
    if (this.active >= this.settings.capacity) return Promise.resolve({ kind: 'busy', retryAfterMs: 50 });
    this.active++;
    const p = (async (): Promise<SmsoResult> => {
      try {
        await this.clock.sleep(this.latency());
        const code = fail();
        const result: SmsoResult = code === null ? { kind: 'done', atMs: this.clock.now() } : { kind: 'failed', code, reason: `simulated ${code} for ${target}` };
        const rec: SimulatedRequest = { requestId: id, operation, smso: this.smso, target, devices, result, repeats: 0 };
        // The record is the effect: written (and synced) before the answer, one line per request.
        if (this.journalFd !== null) {
          writeSync(this.journalFd, `${JSON.stringify(rec)}\n`);
          fsyncSync(this.journalFd);
        }
        this.done.set(id, rec);
        return result;
      } finally {
        this.active--;
        this.pending.delete(id);
      }
    })();
    this.pending.set(id, p);
    return p;
  }

  private decide(chf: string): EnrolmentFailureCode | null {
    if (this.alwaysFails.has(chf)) return this.settings.failureCode;
    const left = this.failuresLeft.get(chf);
    if (left !== undefined && left > 0) {
      this.failuresLeft.set(chf, left - 1);
      return this.settings.failureCode;
    }
    return this.settings.failureProbability > 0 && this.rng.chance(this.settings.failureProbability) ? this.settings.failureCode : null;
  }

  private latency(): number {
    const l = this.settings.latency;
    if (l.kind === 'fixed') return l.ms;
    if (l.kind === 'uniform') return l.minMs + this.rng.float() * (l.maxMs - l.minMs);
    // Box-Muller on the seeded stream.
    const u = Math.max(this.rng.float(), 1e-12);
    const v = this.rng.float();
    return l.medianMs * Math.exp(l.sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
}
