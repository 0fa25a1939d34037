import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../../../src/adapters/config/config.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 's1mig-cfg-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('defaults to the local instance: its broker and registry ports, replication 1', () => {
    const c = loadConfig({ env: { S1MIG_PORT_BASE: '25000' }, cwd: '/tmp' });
    expect(c.profile).toBe('local');
    expect(c.kafka.brokers).toEqual(['127.0.0.1:25002']);
    expect(c.registry.url).toBe('http://127.0.0.1:25001/apis/ccompat/v7');
    expect(c.topics).toEqual({ prefix: 's1mig.', replicationFactor: 1, minInsyncReplicas: 1 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.kafka) && Object.isFrozen(c.kafka.brokers)).toBe(true);
  });

  it('production needs brokers and replicates 3 ways by default', () => {
    expect(() => loadConfig({ env: { S1MIG_PROFILE: 'production', S1MIG_REGISTRY_URL: 'https://sr:8081' } })).toThrow(/kafka\.brokers/);
    const c = loadConfig({ env: { S1MIG_PROFILE: 'production', S1MIG_KAFKA_BROKERS: 'b1:9093, b2:9093', S1MIG_REGISTRY_URL: 'https://sr:8081' } });
    expect(c.kafka.brokers).toEqual(['b1:9093', 'b2:9093']);
    expect(c.topics.replicationFactor).toBe(3);
    expect(c.topics.minInsyncReplicas).toBe(2);
  });

  it('layers defaults < file < environment', () => {
    const dir = tempDir();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ kafka: { clientId: 'from-file', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } }, topics: { prefix: 'f.' } }));
    const c = loadConfig({ file, env: { S1MIG_TOPIC_PREFIX: 'env.' } });
    expect(c.kafka.clientId).toBe('from-file');
    expect(c.kafka.ssl).toBe(true);
    expect(c.kafka.sasl?.mechanism).toBe('scram-sha-512');
    expect(c.topics.prefix).toBe('env.');
    expect(JSON.stringify(redactConfig(c))).not.toContain('"p"');
  });

  it('names the field in every validation message', () => {
    expect(() => loadConfig({ env: { S1MIG_KAFKA_BROKERS: 'nohostport' } })).toThrow(/config kafka\.brokers: 'nohostport' is not host:port/);
    expect(() => loadConfig({ env: { S1MIG_REGISTRY_URL: 'not a url' } })).toThrow(/config registry\.url/);
    expect(() => loadConfig({ env: { S1MIG_REPLICATION_FACTOR: '0' } })).toThrow(/config topics\.replicationFactor/);
    expect(() => loadConfig({ env: { S1MIG_MIN_INSYNC_REPLICAS: '2' } })).toThrow(/config topics\.minInsyncReplicas/);
    expect(() => loadConfig({ env: { S1MIG_PROFILE: 'staging' } })).toThrow(/config profile/);
    expect(() => loadConfig({ env: { S1MIG_KAFKA_SSL: 'maybe' } })).toThrow(/config kafka\.ssl/);
    try {
      loadConfig({ env: { S1MIG_KAFKA_SASL_MECHANISM: 'gssapi', S1MIG_KAFKA_SASL_USERNAME: 'u', S1MIG_KAFKA_SASL_PASSWORD: 'p' } });
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });

  it('rejects an unreadable or non-JSON file with CONFIG_INVALID', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    expect(() => loadConfig({ file: join(dir, 'bad.json'), env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })).toThrow(/cannot read config file/);
  });
});

describe('the enrolment configuration (SMSO capacities and simulators)', () => {
  it('gives every SMSO of the MAs the local defaults: 64 in flight, 200 per second, 100,000 per day, a simulator', () => {
    const c = loadConfig({ env: {}, cwd: '/tmp' });
    expect(Object.keys(c.enrolment.smso).sort()).toEqual(['LG', 'MDS', 'SECURE', 'TRILLIANT']);
    expect(c.enrolment.smso['MDS']).toMatchObject({ maxInFlight: 64, perSecond: 200, perDay: 100_000, adapter: 'simulator', simulator: { latency: { kind: 'fixed', ms: 0 }, failureProbability: 0 } });
  });

  it('takes capacities and simulator knobs from the file, fills in the rest, and names the field it refuses', () => {
    const dir = tempDir();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ enrolment: { smso: {
      MDS: { perSecond: 5, simulator: { latency: { kind: 'lognormal', medianMs: 20, sigma: 0.4 }, failingChfs: ['00-DB-12-34-56-78-90-00:2'] } },
      NEWCO: { maxInFlight: 2 },
    } } }));
    const c = loadConfig({ file, env: {}, cwd: '/tmp' });
    expect(c.enrolment.smso['MDS']).toMatchObject({ maxInFlight: 64, perSecond: 5, simulator: { latency: { kind: 'lognormal', medianMs: 20, sigma: 0.4 }, failingChfs: ['00-DB-12-34-56-78-90-00:2'], capacity: 1000 } });
    expect(c.enrolment.smso['NEWCO']).toMatchObject({ maxInFlight: 2, perSecond: 200, perDay: 100_000 });
    for (const [bad, field] of [
      [{ MDS: { perDay: 0 } }, 'enrolment.smso.MDS.perDay'],
      [{ MDS: { simulator: { latency: { kind: 'uniform', minMs: 9, maxMs: 3 } } } }, 'enrolment.smso.MDS.simulator.latency.maxMs'],
      [{ MDS: { simulator: { failureProbability: 2 } } }, 'enrolment.smso.MDS.simulator.failureProbability'],
      [{ MDS: { simulator: { failingChfs: ['bad'] } } }, 'enrolment.smso.MDS.simulator.failingChfs'],
      [{ MDS: { adapter: 'http' } }, 'enrolment.smso.MDS.adapter'],
    ] as const) {
      writeFileSync(file, JSON.stringify({ enrolment: { smso: bad } }));
      expect(() => loadConfig({ file, env: {}, cwd: '/tmp' })).toThrow(field);
    }
  });
});

describe('unknown keys and variables (issue 12: {"kafka":{"broker":...}} ran silently against the local defaults)', () => {
  const withFile = (content: unknown): (() => unknown) => {
    const file = join(tempDir(), 'c.json');
    writeFileSync(file, JSON.stringify(content));
    return () => loadConfig({ file, env: {}, cwd: '/tmp' });
  };

  it('refuses a key the file cannot hold, naming it and the closest one', () => {
    expect(withFile({ kafka: { broker: ['b:9092'] } })).toThrow(/^config kafka\.broker: unknown key \(did you mean 'kafka\.brokers'\?\); kafka takes brokers, clientId/);
    expect(withFile({ topic: { prefix: 'x.' } })).toThrow(/^config topic: unknown key \(did you mean 'topics'\?\)/);
    expect(withFile({ kafka: { sasl: { mechanism: 'plain', user: 'u', password: 'p' } } })).toThrow(/config kafka\.sasl\.user: unknown key/);
    expect(withFile({ enrolment: { smso: { MDS: { perSec: 5 } } } })).toThrow(/config enrolment\.smso\.MDS\.perSec: unknown key \(did you mean 'enrolment\.smso\.MDS\.perSecond'\?\)/);
    expect(withFile({ enrolment: { smso: { MDS: { simulator: { latency: { kind: 'uniform', min: 1, maxMs: 2 } } } } } })).toThrow(/config enrolment\.smso\.MDS\.simulator\.latency\.min: unknown key/);
    try {
      withFile({ spool: { bsae: '/tmp' } })();
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });

  it('takes every key the defaults have, SASL, any SMSO code and each latency shape', () => {
    const c = withFile({
      profile: 'local', kafka: { clientId: 'c', ssl: false, sasl: { mechanism: 'plain', username: 'u', password: 'p' }, connectionTimeoutMs: 5, requestTimeoutMs: 5 },
      registry: { username: 'u', password: 'p' }, topics: { prefix: 'p.' }, spool: { base: '/tmp' },
      enrolment: { originator: '90-B3-D5-1F-30-00-00-01', smso: { NEWCO: { maxInFlight: 1, simulator: { latency: { kind: 'lognormal', medianMs: 5, sigma: 1 }, journal: null } } } },
    })() as { enrolment: { smso: Record<string, { maxInFlight: number }> } };
    expect(c.enrolment.smso['NEWCO']!.maxInFlight).toBe(1);
  });

  it('refuses an S1MIG_ variable nothing reads, naming the closest one; the ones documented are all known', async () => {
    expect(() => loadConfig({ env: { S1MIG_KAFKA_BROKER: 'b:9092' } })).toThrow(/^environment variable S1MIG_KAFKA_BROKER is not one s1mig reads \(did you mean S1MIG_KAFKA_BROKERS\?\)/);
    expect(() => loadConfig({ env: { S1MIG_WHATEVER_THIS_IS: '1' } })).toThrow(/S1MIG_WHATEVER_THIS_IS is not one s1mig reads; docs/);
    expect(() => loadConfig({ env: { OTHER_VAR: '1', S1MIG_LOG_LEVEL: 'debug' }, cwd: '/tmp' })).not.toThrow();
    const { KNOWN_ENV } = await import('../../../../src/adapters/config/config.js');
    const { readFileSync, readdirSync } = await import('node:fs');
    const root = new URL('../../../../', import.meta.url).pathname;
    // Every variable the code reads is known, and docs/operations.md names every known one.
    const files = readdirSync(`${root}src`, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    const read = new Set<string>();
    for (const f of files) for (const m of readFileSync(`${root}src/${f}`, 'utf8').matchAll(/env\[['"](S1MIG_[A-Z0-9_]+)['"]\]|env\.(S1MIG_[A-Z0-9_]+)/g)) read.add(m[1] ?? m[2]!);
    expect(read.size).toBeGreaterThan(5);
    expect([...read].filter((n) => !KNOWN_ENV.has(n))).toEqual([]);
    const ops = readFileSync(`${root}docs/operations.md`, 'utf8');
    expect([...KNOWN_ENV].filter((n) => !ops.includes(n.replace(/_(PASSWORD|USERNAME)$/, '')))).toEqual([]);
  });
});

describe('the processor\'s knobs in the typed configuration (issue 12: they were environment variables only)', () => {
  it('default, come from the file, and from the environment over the file, each validated by name', () => {
    const d = loadConfig({ env: {}, cwd: '/tmp' });
    expect(d.processor).toEqual({ ops: { host: '127.0.0.1', port: 9464 }, sessionTimeoutMs: null, splitter: { devicesPerTransaction: 2000, transferTimeoutMs: 600_000 } });
    const file = join(tempDir(), 'c.json');
    writeFileSync(file, JSON.stringify({ processor: { ops: { host: '0.0.0.0', port: 9500 }, splitter: { devicesPerTransaction: 500 } } }));
    const c = loadConfig({ file, env: { S1MIG_METRICS_PORT: '0', S1MIG_SESSION_TIMEOUT_MS: '6000', S1MIG_TRANSFER_TIMEOUT_MS: '1000' }, cwd: '/tmp' });
    expect(c.processor).toEqual({ ops: { host: '0.0.0.0', port: 0 }, sessionTimeoutMs: 6000, splitter: { devicesPerTransaction: 500, transferTimeoutMs: 1000 } });
    expect(() => loadConfig({ env: { S1MIG_METRICS_PORT: '70000' }, cwd: '/tmp' })).toThrow(/^config processor\.ops\.port: must be 0\.\.65535/);
    expect(() => loadConfig({ env: { S1MIG_SPLITTER_DEVICES_PER_TX: 'many' }, cwd: '/tmp' })).toThrow(/^config processor\.splitter\.devicesPerTransaction/);
    expect(() => loadConfig({ env: { S1MIG_OPS_HOST: 'a b' }, cwd: '/tmp' })).toThrow(/^config processor\.ops\.host/);
    expect(() => loadConfig({ env: { S1MIG_SESSION_TIMEOUT_MS: '0' }, cwd: '/tmp' })).toThrow(/^config processor\.sessionTimeoutMs/);
  });
});

describe('TLS and SASL (issue 12: a boolean was all there was)', () => {
  it('takes a CA, a client certificate and key, a server name, a registry CA and an OAUTHBEARER token file, each checked by name', () => {
    const dir = tempDir();
    const f = (name: string) => {
      const p = join(dir, name);
      writeFileSync(p, `-----BEGIN ${name}-----\n`);
      return p;
    };
    const [ca, cert, key, token, rca] = [f('ca.pem'), f('cert.pem'), f('key.pem'), f('token'), f('rca.pem')];
    const c = loadConfig({ env: { S1MIG_KAFKA_SSL: 'true', S1MIG_KAFKA_TLS_CA: ca, S1MIG_KAFKA_TLS_CERT: cert, S1MIG_KAFKA_TLS_KEY: key, S1MIG_KAFKA_TLS_SERVERNAME: 'kafka.internal',
      S1MIG_KAFKA_SASL_MECHANISM: 'oauthbearer', S1MIG_KAFKA_SASL_TOKEN_FILE: token, S1MIG_REGISTRY_TLS_CA: rca }, cwd: '/tmp' });
    expect(c.kafka.tls).toEqual({ ca, cert, key, servername: 'kafka.internal' });
    expect(c.kafka.sasl).toEqual({ mechanism: 'oauthbearer', tokenFile: token });
    expect(c.registry.tls).toEqual({ ca: rca });
    expect(() => loadConfig({ env: { S1MIG_KAFKA_SSL: 'true', S1MIG_KAFKA_TLS_CERT: cert }, cwd: '/tmp' })).toThrow(/^config kafka\.tls\.key: kafka\.tls\.cert and kafka\.tls\.key go together/);
    expect(() => loadConfig({ env: { S1MIG_KAFKA_TLS_CA: ca }, cwd: '/tmp' })).toThrow(/^config kafka\.ssl: must be true when kafka\.tls is set/);
    expect(() => loadConfig({ env: { S1MIG_KAFKA_SSL: 'true', S1MIG_KAFKA_TLS_CA: join(dir, 'missing.pem') }, cwd: '/tmp' })).toThrow(/^config kafka\.tls\.ca: cannot read/);
    expect(() => loadConfig({ env: { S1MIG_KAFKA_SSL: 'true', S1MIG_KAFKA_TLS_CA: 'relative.pem' }, cwd: '/tmp' })).toThrow(/^config kafka\.tls\.ca: must be null or an absolute path/);
    expect(() => loadConfig({ env: { S1MIG_KAFKA_SASL_MECHANISM: 'oauthbearer' }, cwd: '/tmp' })).toThrow(/^config kafka\.sasl\.tokenFile: is required with oauthbearer/);
    expect(() => loadConfig({ env: { S1MIG_REGISTRY_TLS_CA: join(dir, 'nope') }, cwd: '/tmp' })).toThrow(/^config registry\.tls\.ca: cannot read/);
  });
});
