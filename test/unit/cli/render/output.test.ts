import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writableOutput } from '../../../../src/cli/render/output.js';

describe('writableOutput', () => {
  it('passes text through in order, honouring backpressure', async () => {
    const got: string[] = [];
    const sink = new Writable({ highWaterMark: 16, write: (chunk: Buffer, _enc, done) => void setImmediate(() => (got.push(chunk.toString()), done())) });
    const out = writableOutput(sink);
    for (let i = 0; i < 3; i++) await out.write(`${i}`.repeat(70_000));
    await out.flush();
    expect(got.join('')).toBe(['0', '1', '2'].map((d) => d.repeat(70_000)).join(''));
  });

  // Issue 13: a report file that had failed already (its disk refused it while the MCF was
  // still being read) never drains; waiting for it hung `validate` for good.
  it('fails at once on a stream that failed before the write, instead of waiting for a drain that never comes', async () => {
    const failed = new Writable({ write: (_c, _e, done) => done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) });
    failed.on('error', () => undefined);
    failed.write('x');
    await new Promise((r) => setImmediate(r));
    expect(failed.errored).not.toBeNull();
    const out = writableOutput(failed);
    const outcome = await Promise.race([
      out.write('y'.repeat(70_000)).then(() => 'written', (err: unknown) => (err as { code?: string }).code),
      new Promise((r) => setTimeout(() => r('hung'), 2000)),
    ]);
    expect(outcome).toBe('ENOSPC');
  });
});
