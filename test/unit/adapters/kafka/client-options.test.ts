import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CONSUMER_RETRY, createKafka, kafkaSaslOptions, kafkaTlsOptions } from '../../../../src/adapters/kafka/client.js';
import { Kafka } from '../../../../src/adapters/kafka/kafkajs.js';

const dir = mkdtempSync(join(tmpdir(), 's1mig-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('the kafkajs client options from the configuration', () => {
  it('TLS: off, the system CAs, or the configured CA, client certificate and key, and server name, read from their files', () => {
    const none = { ca: null, cert: null, key: null, servername: null };
    expect(kafkaTlsOptions({ ssl: false, tls: none })).toBe(false);
    expect(kafkaTlsOptions({ ssl: true, tls: none })).toBe(true);
    const t = { ca: file('ca.pem', 'CA'), cert: file('c.pem', 'CERT'), key: file('k.pem', 'KEY'), servername: 'kafka.internal' };
    const o = kafkaTlsOptions({ ssl: true, tls: t }) as { ca: Buffer[]; cert: Buffer; key: Buffer; servername: string };
    expect([o.ca.map(String), String(o.cert), String(o.key), o.servername]).toEqual([['CA'], 'CERT', 'KEY', 'kafka.internal']);
  });

  it('SASL: PLAIN and SCRAM with their credentials; OAUTHBEARER reads its token file at every authentication', async () => {
    expect(kafkaSaslOptions({ mechanism: 'scram-sha-512', username: 'u', password: 'p' })).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    const token = file('token', 'first\n');
    const o = kafkaSaslOptions({ mechanism: 'oauthbearer', tokenFile: token }) as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(o.mechanism).toBe('oauthbearer');
    expect(await o.oauthBearerProvider()).toEqual({ value: 'first' });
    writeFileSync(token, 'refreshed');
    expect(await o.oauthBearerProvider()).toEqual({ value: 'refreshed' });
  });

  // Regression (issue 13, broker-leader-kill): kafkajs gave consumers 5 retries (~6 s), less
  // than a cluster's failover from a dead broker; the consumer crashed, came back as a new
  // member, and its group waited out the old member's 30 s session before it assigned
  // anything again.
  it('gives consumers a retry that outlasts a broker failover, unless they ask for their own', () => {
    const spy = vi.spyOn(Kafka.prototype, 'consumer');
    try {
      const kafka = createKafka({ kafka: { brokers: ['127.0.0.1:1'], clientId: 't', ssl: false, tls: { ca: null, cert: null, key: null, servername: null }, sasl: null, connectionTimeoutMs: 100, requestTimeoutMs: 100 } });
      kafka.consumer({ groupId: 'g' });
      kafka.consumer({ groupId: 'h', retry: { retries: 1 } });
      expect(spy.mock.calls.map((c) => c[0])).toEqual([{ groupId: 'g', retry: { ...CONSUMER_RETRY } }, { groupId: 'h', retry: { retries: 1 } }]);
    } finally {
      spy.mockRestore();
    }
    // The whole budget, without kafkajs' randomisation. kafkajs counts a consumer's retries
    // from its last rebalance, and a failover (a 9 s broker session, then the elections) takes
    // ~8 of them: what is left must still outlast several. No wait is long enough to leave the
    // consumer idle long after the cluster is back.
    const waits: number[] = [];
    for (let i = 0, t = CONSUMER_RETRY.initialRetryTime!; i < CONSUMER_RETRY.retries!; i++, t *= 2) waits.push(Math.min(t, CONSUMER_RETRY.maxRetryTime!));
    expect(waits.slice(8).reduce((a, b) => a + b, 0)).toBeGreaterThan(60_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(3_000);
  });
});
