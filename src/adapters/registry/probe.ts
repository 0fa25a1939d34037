import { S1migError } from '../../core/errors/s1mig-error.js';
import type { S1migConfig } from '../config/config.js';

/**
 * Fails fast, with one line, when the Schema Registry does not answer HTTP within the
 * timeout. Any HTTP answer passes (a 401 is the credentials' problem, reported by the call
 * that meets it); only a refused connection, a name that does not resolve or silence fail.
 */
export async function probeRegistry(registry: S1migConfig['registry'], timeoutMs: number): Promise<void> {
  const headers: Record<string, string> = {};
  if (registry.username !== null) headers['authorization'] = `Basic ${Buffer.from(`${registry.username}:${registry.password ?? ''}`).toString('base64')}`;
  try {
    const res = await fetch(`${registry.url.replace(/\/+$/, '')}/subjects`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new S1migError('REGISTRY_UNAVAILABLE', `the Schema Registry at ${registry.url} cannot be reached (${reason}); is it running? (\`npx s1mig local up\` starts the local one; S1MIG_REGISTRY_URL or registry.url names another)`, { cause: err });
  }
}
