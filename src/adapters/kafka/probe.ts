import { connect } from 'node:net';
import { S1migError } from '../../core/errors/s1mig-error.js';

/** Resolves when a TCP connection to host:port opens; rejects with the reason otherwise. */
function reach(broker: string, timeoutMs: number): Promise<void> {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(i + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => done());
    socket.once('error', (err) => done(err));
  });
}

/**
 * Fails fast, with one line, when no bootstrap broker accepts a TCP connection within the
 * connection timeout: without it, kafkajs retries for about half a minute and logs each
 * attempt as an error. A broker that accepts the connection passes; whatever fails after
 * that (TLS, SASL, metadata) is kafkajs' to report.
 */
export async function probeBrokers(brokers: readonly string[], timeoutMs: number): Promise<void> {
  const results = await Promise.allSettled(brokers.map((b) => reach(b, timeoutMs)));
  if (results.some((r) => r.status === 'fulfilled')) return;
  const why = results.map((r, k) => `${brokers[k]}: ${(r as PromiseRejectedResult).reason instanceof Error ? ((r as PromiseRejectedResult).reason as Error).message : String((r as PromiseRejectedResult).reason)}`);
  throw new S1migError('KAFKA_UNAVAILABLE', `no Kafka broker can be reached (${why.join('; ')}); is it running? (\`npx s1mig local up\` starts the local one; S1MIG_KAFKA_BROKERS or kafka.brokers names others)`);
}
