import { describe, expect, it } from 'vitest';
import { kafkaBootstrap, registryUrl, resolveLocalInstance } from '../../../../src/adapters/config/local-instance.js';

describe('resolveLocalInstance', () => {
  it('derives ports from one base and keeps the data folder per project', () => {
    const o = resolveLocalInstance({}, '/work/p');
    expect(o.dataDir).toBe('/work/p/.s1mig/local');
    expect([o.registryPort, o.kafkaPort, o.controllerPort]).toEqual([19091, 19092, 19093]);
    expect(kafkaBootstrap(o)).toBe('127.0.0.1:19092');
    expect(registryUrl(o)).toBe('http://127.0.0.1:19091/apis/ccompat/v7');
    expect(o.host).toBe('127.0.0.1');
  });

  it('takes instance settings from the environment', () => {
    const o = resolveLocalInstance({ S1MIG_LOCAL_DIR: '/tmp/x', S1MIG_PORT_BASE: '30000', S1MIG_KAFKA_PORT: '31000', S1MIG_KAFKA_HEAP: '1g' }, '/w');
    expect(o.dataDir).toBe('/tmp/x');
    expect(o.kafkaPort).toBe(31000);
    expect(o.registryPort).toBe(30001);
    expect(o.kafkaHeap).toBe('1g');
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('rejects bad values naming the variable', () => {
    expect(() => resolveLocalInstance({ S1MIG_PORT_BASE: '80' })).toThrow(/S1MIG_PORT_BASE/);
    expect(() => resolveLocalInstance({ S1MIG_KAFKA_HEAP: 'lots' })).toThrow(/S1MIG_KAFKA_HEAP/);
    expect(() => resolveLocalInstance({ S1MIG_KAFKA_PORT: '19091' })).toThrow(/must differ/);
    expect(() => resolveLocalInstance({ S1MIG_LOCAL_START_TIMEOUT: '-1' })).toThrow(/S1MIG_LOCAL_START_TIMEOUT/);
  });
});

describe('newClusterId (regression: a cluster id starting with "-" made StorageTool read it as an option)', () => {
  it('is 22 base64url characters and never starts with "-"', async () => {
    const { newClusterId } = await import('../../../../src/adapters/local/services.js');
    for (let i = 0; i < 5000; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});

describe('ensurePrivateDataDir', () => {
  // Regression (audit, defect 2): the local instance's Kafka data and logs were readable by
  // every local user (0755/0644).
  it('creates the data folder 0700 and tightens one made 0755 before', async () => {
    const { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ensurePrivateDataDir } = await import('../../../../src/adapters/local/data-dir.js');
    const root = mkdtempSync(join(tmpdir(), 's1mig-datadir-test-'));
    try {
      const fresh = join(root, 'a', 'local');
      ensurePrivateDataDir(fresh);
      expect(statSync(fresh).mode & 0o777).toBe(0o700);
      const old = join(root, 'old');
      mkdirSync(old, { mode: 0o755 });
      chmodSync(old, 0o755);
      ensurePrivateDataDir(old);
      expect(statSync(old).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
