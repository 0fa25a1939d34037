import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaSaslOptions, kafkaTlsOptions } from '../../../../src/adapters/kafka/client.js';

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
});
