/**
 * Piscina loads compiled JavaScript: this test uses dist/src/adapters/pool/worker.js and builds the
 * project first when that file is missing (run `npm run build` after changing src/ to
 * test the current worker; `npm test` always builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCryptoInput } from '../../../../src/core/contracts/device-crypto.js';
import { createPoolChecker } from '../../../../src/adapters/pool/pool-checker.js';
import { checkDevices, loadDeviceCryptoContext } from '../../../../src/core/device-crypto/index.js';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';
import { workerFilePath } from '../../../../src/adapters/pool/pool-checker.js';
import { VECTOR_REF } from '../../core/reference/ref-copy.js';
import { VECTOR_CREATED_AT, vectorDevices } from '../../core/device-crypto/vectors.js';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const WORKER = join(ROOT, 'dist/src/adapters/pool/worker.js');

beforeAll(() => {
  if (!existsSync(WORKER)) {
    // Type errors elsewhere in the tree do not stop tsc from emitting.
    spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
  }
  expect(existsSync(WORKER)).toBe(true);
}, 180_000);

describe('createPoolChecker', () => {
  it('resolves the compiled worker from the TypeScript sources', () => {
    expect(workerFilePath()).toBe(WORKER);
  });

  it('gives the same results as checkDevices, for many concurrent batches beyond the queue bound', async () => {
    const checker = createPoolChecker(VECTOR_REF, { threads: 2, maxQueue: 1 });
    try {
      const ctx = loadDeviceCryptoContext(VECTOR_REF);
      const batches = ['basic-valid', 'mixed-outcomes', 'bom-prefix-comment'].map((n) => ({
        smso: 'MDS', createdAtSec: VECTOR_CREATED_AT, items: vectorDevices(n).items,
      }));
      const many = Array.from({ length: 12 }, (_, i) => batches[i % 3]!);
      expect(checker.stats?.()).toEqual({ inFlight: 0, utilisation: expect.any(Number) });
      const pending = Promise.all(many.map((b) => checker.check(b)));
      // The checker counts what it holds (bounded by threads + maxQueue) for the queue-depth gauge.
      expect(checker.stats?.().inFlight).toBe(3);
      const results = await pending;
      expect(checker.stats?.().inFlight).toBe(0);
      expect(checker.stats?.().utilisation).toBeGreaterThan(0);
      results.forEach((r, i) => expect(r).toEqual(checkDevices(ctx, many[i]!)));
      expect(results[1]).toEqual(vectorDevices('mixed-outcomes').expected);
      const empty: DeviceCryptoInput[] = [];
      expect(await checker.check({ smso: 'MDS', createdAtSec: 0, items: empty })).toEqual([]);
    } finally {
      await checker.close();
    }
  });

  it('throws REF_INVALID on the calling thread for a broken reference', () => {
    let err: unknown;
    try {
      createPoolChecker('/nonexistent/ref', { threads: 1 });
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe('REF_INVALID');
  });

  it('surfaces a failure inside the worker as WORKER_FAILED, and keeps working', async () => {
    const checker = createPoolChecker(VECTOR_REF, { threads: 1 });
    try {
      const bad = { smso: 'MDS', createdAtSec: 0, items: null as unknown as DeviceCryptoInput[] };
      await expect(checker.check(bad)).rejects.toMatchObject({ code: 'WORKER_FAILED' });
      const { items, expected } = vectorDevices('mixed-outcomes');
      expect(await checker.check({ smso: 'MDS', createdAtSec: VECTOR_CREATED_AT, items })).toEqual(expected);
    } finally {
      await checker.close();
    }
  });

  it('refuses work after close', async () => {
    const checker = createPoolChecker(VECTOR_REF, { threads: 1 });
    await checker.close();
    await expect(checker.check({ smso: 'MDS', createdAtSec: 0, items: [] })).rejects.toMatchObject({ code: 'WORKER_FAILED' });
  });
});
