import { describe, expect, it } from 'vitest';
import { duration, progressLine } from '../../../../src/cli/render/progress.js';

function tty(isTTY = true) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (t: string) => writes.push(t) }, writes };
}

describe('the progress line (issue 12: gen of 50,000 installations was silent for 2.5 minutes)', () => {
  it('shows count, share, rate and time left on a terminal, at most every 200 ms, and clears itself', () => {
    const { stream, writes } = tty();
    let t = 1_000;
    const p = progressLine('generating', 'installations', { stream, now: () => t });
    t += 2_000;
    p.update(5_000, 50_000);
    expect(writes).toEqual(['\r\x1b[2Kgenerating: 5,000 of 50,000 installations, 10%, 2,500 installations/s, 18s left']);
    t += 100;
    p.update(5_100, 50_000); // within 200 ms: not redrawn
    expect(writes).toHaveLength(1);
    t += 200;
    p.update(50_000, 50_000);
    const CLEAR = '\r\x1b[2K';
    expect(writes[1]!.startsWith(CLEAR)).toBe(true);
    expect(writes[1]!.slice(CLEAR.length)).toMatch(/^generating: 50,000 of 50,000 installations, 100%, [0-9,]+ installations\/s$/);
    p.clear();
    expect(writes[2]).toBe('\r\x1b[2K');
    p.clear();
    expect(writes).toHaveLength(3);
  });

  it('writes nothing on a stream that is not a terminal, or when disabled (--json)', () => {
    for (const [isTTY, enabled] of [[false, true], [true, false]] as const) {
      const { stream, writes } = tty(isTTY);
      const p = progressLine('validating', 'MB', { stream, enabled, now: () => 5_000 });
      p.update(1, 2);
      p.clear();
      expect(writes).toEqual([]);
    }
  });

  it('formats counts its own way (bytes as MB) and durations as a person reads them', () => {
    const { stream, writes } = tty();
    let t = 0;
    const p = progressLine('publishing f.xml', 'MB', { stream, now: () => t, format: (b) => (b / 1e6).toFixed(1) });
    t = 1_000;
    p.update(3e6, 12e6);
    expect(writes[0]).toBe('\r\x1b[2Kpublishing f.xml: 3.0 of 12.0 MB, 25%, 3.0 MB/s, 3s left');
    expect([duration(59), duration(61), duration(3_725), duration(Number.NaN)]).toEqual(['59s', '1m 01s', '1h 02m', '?']);
  });
});
