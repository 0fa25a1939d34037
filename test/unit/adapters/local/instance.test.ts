import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/adapters/config/config.js';
import { INSTANCE_FILE, instanceRecord, kafkaBootstrap, kafkaBootstraps, recordedBrokers, registryUrl, resolveLocalInstance } from '../../../../src/adapters/config/local-instance.js';
import { kafkaNodeLayout, kafkaProperties } from '../../../../src/adapters/local/services.js';

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

describe('a three-broker instance (local up --brokers 3)', () => {
  it('lays out node N on base+2N and base+2N+1 beside the registry on base+1, node 1 where the single node is', () => {
    const o = resolveLocalInstance({ S1MIG_PORT_BASE: '30000' }, '/nowhere', { brokers: 3 });
    expect(o.brokers).toBe(3);
    expect(o.registryPort).toBe(30001);
    expect(o.nodes).toEqual([
      { id: 1, kafkaPort: 30002, controllerPort: 30003 },
      { id: 2, kafkaPort: 30004, controllerPort: 30005 },
      { id: 3, kafkaPort: 30006, controllerPort: 30007 },
    ]);
    expect([o.kafkaPort, o.controllerPort]).toEqual([30002, 30003]);
    expect(kafkaBootstraps(o)).toEqual(['127.0.0.1:30002', '127.0.0.1:30004', '127.0.0.1:30006']);
    expect(Object.isFrozen(o.nodes) && Object.isFrozen(o.nodes[2])).toBe(true);
    // The single node keeps today's layout, and is the default.
    const one = resolveLocalInstance({ S1MIG_PORT_BASE: '30000' }, '/nowhere');
    expect(one.brokers).toBe(1);
    expect(one.nodes).toEqual([{ id: 1, kafkaPort: 30002, controllerPort: 30003 }]);
    expect(kafkaBootstraps(one)).toEqual([kafkaBootstrap(one)]);
  });

  it('validates the count and the ports, naming the option or variable', () => {
    expect(() => resolveLocalInstance({}, '/nowhere', { brokers: 2 })).toThrow(/brokers \(--brokers\) must be 1 or 3, got 2/);
    expect(() => resolveLocalInstance({}, '/nowhere', { brokers: 0 })).toThrow(/--brokers/);
    // Room for 7 ports: the single node needs 3.
    expect(() => resolveLocalInstance({ S1MIG_PORT_BASE: '65530' }, '/nowhere', { brokers: 3 })).toThrow(/S1MIG_PORT_BASE must leave room for 7 ports/);
    expect(resolveLocalInstance({ S1MIG_PORT_BASE: '65530' }, '/nowhere').kafkaPort).toBe(65532);
    // A single-node override cannot say which node it moves.
    expect(() => resolveLocalInstance({ S1MIG_KAFKA_PORT: '31000' }, '/nowhere', { brokers: 3 })).toThrow(/S1MIG_KAFKA_PORT sets a single node's port/);
    expect(() => resolveLocalInstance({ S1MIG_CONTROLLER_PORT: '31000' }, '/nowhere', { brokers: 3 })).toThrow(/S1MIG_CONTROLLER_PORT/);
    expect(() => resolveLocalInstance({ S1MIG_PORT_BASE: '30000', S1MIG_REGISTRY_PORT: '30004' }, '/nowhere', { brokers: 3 })).toThrow(/must differ/);
  });

  it('follows the count recorded in the data folder, and refuses another one for it', () => {
    const root = mkdtempSync(join(tmpdir(), 's1mig-instance-test-'));
    try {
      const dir = join(root, 'three');
      mkdirSync(dir);
      expect(recordedBrokers(dir)).toBeNull();
      writeFileSync(join(dir, INSTANCE_FILE), instanceRecord({ brokers: 3 }));
      expect(readFileSync(join(dir, INSTANCE_FILE), 'utf8')).toBe('{"brokers":3}\n');
      const env = { S1MIG_LOCAL_DIR: dir };
      expect(resolveLocalInstance(env).brokers).toBe(3);
      expect(resolveLocalInstance(env, '/', { brokers: 3 }).brokers).toBe(3);
      expect(() => resolveLocalInstance(env, '/', { brokers: 1 })).toThrow(new RegExp(`the instance in ${dir} has 3 brokers, not 1`));
      // The local default follows it: every node in the bootstrap list, production's replication.
      const c = loadConfig({ env: { ...env, S1MIG_PORT_BASE: '30000' } });
      expect(c.kafka.brokers).toEqual(['127.0.0.1:30002', '127.0.0.1:30004', '127.0.0.1:30006']);
      expect(c.topics).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
      // ...unless the operator says otherwise.
      expect(loadConfig({ env: { ...env, S1MIG_REPLICATION_FACTOR: '2', S1MIG_MIN_INSYNC_REPLICAS: '1' } }).topics).toMatchObject({ replicationFactor: 2, minInsyncReplicas: 1 });

      // A folder from before the record, with a single node's kafka/ in it, is a single node.
      const old = join(root, 'old');
      mkdirSync(join(old, 'kafka'), { recursive: true });
      writeFileSync(join(old, 'kafka', 'server.properties'), 'node.id=1\n');
      expect(recordedBrokers(old)).toBe(1);
      expect(() => resolveLocalInstance({ S1MIG_LOCAL_DIR: old }, '/', { brokers: 3 })).toThrow(/has 1 broker, not 3/);
      expect(loadConfig({ env: { S1MIG_LOCAL_DIR: old } }).topics).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });

      const bad = join(root, 'bad');
      mkdirSync(bad);
      writeFileSync(join(bad, INSTANCE_FILE), '{"brokers":2}');
      expect(() => resolveLocalInstance({ S1MIG_LOCAL_DIR: bad })).toThrow(/instance\.json: brokers must be 1 or 3, got 2/);
      writeFileSync(join(bad, INSTANCE_FILE), 'not json');
      expect(() => resolveLocalInstance({ S1MIG_LOCAL_DIR: bad })).toThrow(/instance\.json is not valid JSON/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the server.properties of each node', () => {
  const props = (text: string): Record<string, string> => Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  it('single node: the layout and settings of before (one voter, internal topics replicated once)', () => {
    const o = resolveLocalInstance({ S1MIG_PORT_BASE: '30000' }, '/w');
    const l = kafkaNodeLayout(o, o.nodes[0]!);
    expect(l).toMatchObject({ name: 'kafka', config: '/w/.s1mig/local/kafka/server.properties', logDirs: '/w/.s1mig/local/kafka/data',
      pidFile: '/w/.s1mig/local/pids/kafka.json', stdoutLog: '/w/.s1mig/local/logs/kafka-stdout.log', logsDir: '/w/.s1mig/local/logs', clusterIdFile: '/w/.s1mig/local/kafka/cluster-id' });
    const p = props(kafkaProperties(o, o.nodes[0]!, l.logDirs));
    expect(p).toMatchObject({
      'process.roles': 'broker,controller', 'node.id': '1', 'controller.quorum.voters': '1@127.0.0.1:30003',
      listeners: 'PLAINTEXT://127.0.0.1:30002,CONTROLLER://127.0.0.1:30003', 'advertised.listeners': 'PLAINTEXT://127.0.0.1:30002',
      'log.dirs': '/w/.s1mig/local/kafka/data', 'default.replication.factor': '1', 'min.insync.replicas': '1',
      'offsets.topic.replication.factor': '1', 'transaction.state.log.replication.factor': '1', 'transaction.state.log.min.isr': '1',
      'auto.create.topics.enable': 'false',
    });
  });

  it('three nodes: three voters, each node its own ports and folder, internal topics replicated 3 ways with min ISR 2', () => {
    const o = resolveLocalInstance({ S1MIG_PORT_BASE: '30000' }, '/w', { brokers: 3 });
    const all = o.nodes.map((n) => {
      const l = kafkaNodeLayout(o, n);
      return { l, p: props(kafkaProperties(o, n, l.logDirs)) };
    });
    expect(all.map(({ l }) => [l.name, l.config, l.pidFile, l.stdoutLog])).toEqual([1, 2, 3].map((n) => [`kafka-${n}`, `/w/.s1mig/local/kafka-${n}/server.properties`,
      `/w/.s1mig/local/pids/kafka-${n}.json`, `/w/.s1mig/local/logs/kafka-${n}/kafka-stdout.log`]));
    // One cluster id for the three (a node formatted with another would not join).
    expect(new Set(all.map(({ l }) => l.clusterIdFile))).toEqual(new Set(['/w/.s1mig/local/kafka-cluster-id']));
    for (const [i, { l, p }] of all.entries()) {
      const n = o.nodes[i]!;
      expect(p).toMatchObject({
        'node.id': String(n.id), 'controller.quorum.voters': '1@127.0.0.1:30003,2@127.0.0.1:30005,3@127.0.0.1:30007',
        listeners: `PLAINTEXT://127.0.0.1:${n.kafkaPort},CONTROLLER://127.0.0.1:${n.controllerPort}`, 'advertised.listeners': `PLAINTEXT://127.0.0.1:${n.kafkaPort}`,
        'log.dirs': l.logDirs, 'default.replication.factor': '3', 'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3', 'transaction.state.log.replication.factor': '3', 'transaction.state.log.min.isr': '2',
      });
    }
    expect(new Set(all.map(({ l }) => l.logDirs)).size).toBe(3);
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
