import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commissionedChfs, readJournal, SIMULATOR_DEFAULTS, SmsoSimulator, type SimulatorSettings } from '../../../../src/adapters/smso/simulator.js';
import { attemptCounter } from '../../../../src/core/contracts/smso.js';
import { requestId } from '../../../../src/core/contracts/smso.js';

const CHF = '00db123456789000';
const req = (id: string, chf = CHF) => ({ requestId: id, smso: 'MDS', chf, devices: [{ deviceId: chf, deviceType: 'CHF' }, { deviceId: '00db123456789001', deviceType: 'ESME' }] });
const sim = (o: Partial<SimulatorSettings> = {}, clock?: { now(): number; sleep(ms: number): Promise<void> }) => new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, ...o }, clock);

describe('request IDs', () => {
  it('have the DUIS form <originator>:<target>:<counter> with hyphenated upper-case EUI-64s and a counter below 2^64', () => {
    expect(requestId('90b3d51f30000001', '00db123456789000', 17n)).toBe('90-B3-D5-1F-30-00-00-01:00-DB-12-34-56-78-90-00:17');
    expect(() => requestId('90b3d51f30000001', CHF, 1n << 64n)).toThrow(RangeError);
  });
});

describe('the SMSO simulator', () => {
  it('answers a repeated request ID with its first result and no second effect', async () => {
    const s = sim();
    expect((await s.commission(req('r1'))).kind).toBe('done');
    const again = await s.commission(req('r1'));
    expect(again.kind).toBe('done');
    expect(s.requests.get('r1')?.repeats).toBe(1);
    expect(s.commissionedChfs()).toEqual(new Map([[CHF, 1]]));
    // The same request while the first is still in flight is the same request too.
    const slow = sim({ latency: { kind: 'fixed', ms: 30 } });
    const [a, b] = await Promise.all([slow.commission(req('r2')), slow.commission(req('r2'))]);
    expect(a).toBe(b);
    expect(slow.commissionedChfs().get(CHF)).toBe(1);
  });

  it('fails a listed CHF its first n attempts, or always with *, with the configured code', async () => {
    const s = sim({ failingChfs: ['00-DB-12-34-56-78-90-00:2', '00db1234567890FF:*'], failureCode: 'ENR_COMMISSION_FAILED' });
    const results = [];
    for (let k = 0; k < 4; k++) results.push((await s.commission(req(`a${k}`))).kind);
    expect(results).toEqual(['failed', 'failed', 'done', 'done']);
    for (let k = 0; k < 3; k++) expect(await s.commission(req(`b${k}`, '00db1234567890ff'))).toMatchObject({ kind: 'failed', code: 'ENR_COMMISSION_FAILED' });
    expect(() => sim({ failingChfs: ['nonsense'] })).toThrow(/CHF EUI/);
  });

  it('fails at a seeded rate, the same for the same seed', async () => {
    const run = async (seed: string) => {
      const s = sim({ failureProbability: 0.3, seed });
      const out: string[] = [];
      for (let k = 0; k < 200; k++) out.push((await s.commission(req(`x${k}`, `00db0000000000${(k % 256).toString(16).padStart(2, '0')}`))).kind);
      return out;
    };
    const a = await run('one');
    expect(await run('one')).toEqual(a);
    const failed = a.filter((k) => k === 'failed').length;
    expect(failed).toBeGreaterThan(35);
    expect(failed).toBeLessThan(85);
    expect(await run('two')).not.toEqual(a);
  });

  it('refuses requests beyond its own capacity as busy, leaving nothing behind, so the retry is new', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const s = sim({ capacity: 1 }, { now: () => 5, sleep: () => gate });
    const first = s.commission(req('c1'));
    expect(await s.commission(req('c2', '00db000000000002'))).toEqual({ kind: 'busy', retryAfterMs: 50 });
    expect(s.requests.has('c2')).toBe(false);
    release();
    expect(await first).toEqual({ kind: 'done', atMs: 5 });
    expect((await s.commission(req('c2', '00db000000000002'))).kind).toBe('done');
  });

  it('waits its latency, fixed, uniform or lognormal, on the clock it is given', async () => {
    for (const latency of [{ kind: 'fixed', ms: 40 }, { kind: 'uniform', minMs: 10, maxMs: 20 }, { kind: 'lognormal', medianMs: 15, sigma: 0.5 }] as const) {
      const waits: number[] = [];
      const s = sim({ latency }, { now: () => 0, sleep: async (ms) => void waits.push(ms) });
      for (let k = 0; k < 50; k++) await s.removeAccess({ requestId: `l${k}`, smso: 'SECURE', devices: ['00db000000000001'] });
      if (latency.kind === 'fixed') expect(new Set(waits)).toEqual(new Set([40]));
      if (latency.kind === 'uniform') expect(waits.every((w) => w >= 10 && w <= 20)).toBe(true);
      if (latency.kind === 'lognormal') {
        const sorted = [...waits].sort((a, b) => a - b);
        expect(sorted[25]!).toBeGreaterThan(8);
        expect(sorted[25]!).toBeLessThan(28);
        expect(waits.every((w) => w > 0)).toBe(true);
      }
    }
  });

  it('keeps its record in a journal that a later simulator (another process) answers from, failures already used included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's1mig-sim-'));
    try {
      const journal = join(dir, 'smso.jsonl');
      const a = sim({ journal, failingChfs: [`${CHF}:1`] });
      expect((await a.commission(req('r1'))).kind).toBe('failed');
      expect((await a.commission(req('r2'))).kind).toBe('done');
      await a.close();
      expect(statSync(journal).mode & 0o777).toBe(0o600);
      appendFileSync(journal, '{"requestId":"cut by a kill'); // a torn last line is ignored
      const b = sim({ journal, failingChfs: [`${CHF}:1`] });
      expect(await b.commission(req('r2'))).toMatchObject({ kind: 'done' });
      expect(b.requests.get('r2')!.repeats).toBe(1);
      // Its one deterministic failure was spent by the first process: a new attempt succeeds.
      expect((await b.commission(req('r3', '00db000000000009'))).kind).toBe('done');
      await b.close();
      expect(commissionedChfs(readJournal(journal))).toEqual(new Map([[CHF, 1], ['00db000000000009', 1]]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('attempt counters', () => {
  it('are stable for an attempt, differ between attempts and operations, and stay below 2^63', () => {
    const c = attemptCounter('k/F', 'I1', 1, 'commission');
    expect(attemptCounter('k/F', 'I1', 1, 'commission')).toBe(c);
    expect(new Set([c, attemptCounter('k/F', 'I1', 2, 'commission'), attemptCounter('k/F', 'I1', 1, 'remove-access'), attemptCounter('k/G', 'I1', 1, 'commission')]).size).toBe(4);
    expect(c < 1n << 63n).toBe(true);
  });
});
