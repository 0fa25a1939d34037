import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../../../src/adapters/log/logger.js';
import { S1migError } from '../../../../src/core/errors/s1mig-error.js';

function capture(level: 'debug' | 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level, write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines };
}

describe('the logger', () => {
  it('writes one JSON object per event with time, level, message and fields, and drops what is below its level', () => {
    const { log, lines } = capture('info');
    log.debug('hidden');
    log.info('file result', { fileKey: 'k/F', status: 'accepted' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'file result', fileKey: 'k/F', status: 'accepted' });
    expect(Number.isNaN(Date.parse(String(lines[0]!['time'])))).toBe(false);
  });

  it('redacts fields named like secrets at any depth, and never prints buffers', () => {
    const { log, lines } = capture('info');
    log.info('config', { kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' } }, registry: { password: 'p' },
      token: 'eyJ', privateKey: '-----BEGIN', apiSecret: 's', nested: [{ credential: 'c' }], key: 'k', fileKey: 'k/F', blob: Buffer.from('secret bytes') });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', '"p"', 'eyJ', 'BEGIN', '"s"', '"c"', 'secret bytes']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ kafka: { sasl: { mechanism: 'plain', username: 'u', password: REDACTED } }, key: REDACTED, fileKey: 'k/F', blob: '[12 bytes]' });
  });

  it('logs an error as its message, code and retriable at info, with stack and cause only at debug', () => {
    const err = new S1migError('KAFKA_UNAVAILABLE', 'no broker', { cause: new Error('ECONNREFUSED') });
    const info = capture('info');
    info.log.error('failed', { error: err });
    expect(info.lines[0]!['error']).toEqual({ message: 'no broker', code: 'KAFKA_UNAVAILABLE', retriable: true });
    const debug = capture('debug');
    debug.log.error('failed', { error: err });
    const e = debug.lines[0]!['error'] as Record<string, unknown>;
    expect(e['stack']).toMatch(/S1migError: no broker\n\s+at /);
    expect(e['cause']).toMatchObject({ message: 'ECONNREFUSED' });
  });

  it('carries a child\'s fields on every line', () => {
    const { log, lines } = capture('info');
    log.child({ stage: 'splitter' }).info('started', { partitions: [0, 1] });
    expect(lines[0]).toMatchObject({ stage: 'splitter', partitions: [0, 1] });
  });
});
