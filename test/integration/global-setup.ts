import { localDown, localStatus, localUp, resolveLocalInstance } from '../../src/adapters/local/index.js';

/**
 * Starts this instance's local Kafka and registry when they are not running, and stops them
 * afterwards only if it started them (S1MIG_KEEP_LOCAL=1 keeps them for the next run).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const o = resolveLocalInstance();
  const before = await localStatus(o);
  if (before.healthy) return async () => undefined;
  const log = (line: string): void => void process.stderr.write(`[integration setup] ${line}\n`);
  await localUp(o, log);
  return async () => {
    if (process.env['S1MIG_KEEP_LOCAL'] === '1') return;
    await localDown(o, log);
  };
}
