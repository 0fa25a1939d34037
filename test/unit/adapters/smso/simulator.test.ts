import { describe, expect, it } from 'vitest';
import { SIMULATOR_DEFAULTS, SmsoSimulator, type SimulatorSettings } from '../../../../src/adapters/smso/simulator.js';
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
});
