import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { S1migError } from '../../core/errors/s1mig-error.js';
import type { S1migConfig } from '../config/config.js';

/**
 * Fails fast, with one line, when the Schema Registry does not answer HTTP within the
 * timeout. Any HTTP answer passes (a 401 is the credentials' problem, reported by the call
 * that meets it); only a refused connection, a name that does not resolve, a TLS failure or
 * silence fail. It trusts what the client trusts (registry.tls.ca).
 */
export async function probeRegistry(registry: S1migConfig['registry'], timeoutMs: number): Promise<void> {
  const url = new URL(`${registry.url.replace(/\/+$/, '')}/subjects`);
  const headers: Record<string, string> = {};
  if (registry.username !== null) headers['authorization'] = `Basic ${Buffer.from(`${registry.username}:${registry.password ?? ''}`).toString('base64')}`;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = send(url, { method: 'GET', headers, timeout: timeoutMs, ...(registry.tls.ca !== null && url.protocol === 'https:' ? { ca: readFileSync(registry.tls.ca) } : {}) }, (res) => {
        res.resume();
        resolve();
      });
      req.once('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'TIMEOUT' })));
      req.once('error', reject);
      req.end();
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    const reason = e.code === 'TIMEOUT' ? e.message : (e.code ?? e.message);
    throw new S1migError('REGISTRY_UNAVAILABLE', `the Schema Registry at ${registry.url} cannot be reached (${reason}); is it running? (\`npx s1mig local up\` starts the local one; S1MIG_REGISTRY_URL or registry.url names another)`, { cause: err });
  }
}
