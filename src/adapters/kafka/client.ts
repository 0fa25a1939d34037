import type { Kafka as KafkaClient, KafkaConfig, logCreator, SASLOptions } from 'kafkajs';
import { assertReadCommitted, Kafka, logLevel } from './kafkajs.js';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { S1migConfig, SaslOptions } from '../config/config.js';

// kafkajs warns about its default partitioner change on every producer; our keys are explicit.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';

/**
 * kafkajs logs retriable conditions it recovers from by itself (a coordinator still loading,
 * a transaction marker still being written) as errors. Those go to debug; real errors stay
 * errors, as one JSON line each on stderr like the rest of our logs.
 */
const RETRIED_BY_KAFKAJS = /concurrent operation on the same transaction|coordinator is not available|not the correct coordinator|coordinator is loading|leadership election|There is no leader for this topic-partition/i;
// kafkajs warns that bounded retries "may invalidate EoS" for every idempotent producer. Here a
// send that exhausts its retries fails its transaction, which is aborted and replayed from the
// committed offsets (or, for `publish`, fails the upload, which the splitter then rejects), so
// the bound never costs exactly-once: the warning goes to debug.
const EXPECTED_WARNINGS = /Limiting retries for the idempotent producer/i;

const jsonLogCreator: logCreator = () => ({ level, log }) => {
  const { message, ...extra } = log as { message: string } & Record<string, unknown>;
  const retried = RETRIED_BY_KAFKAJS.test(`${message} ${String(extra['error'] ?? '')}`) || EXPECTED_WARNINGS.test(message);
  const minimum = process.env['S1MIG_LOG_LEVEL'] === 'debug' ? logLevel.DEBUG : logLevel.WARN;
  const effective = retried ? logLevel.DEBUG : level;
  if (effective > minimum || effective === logLevel.NOTHING) return;
  const name = effective === logLevel.ERROR ? 'error' : effective === logLevel.WARN ? 'warn' : effective === logLevel.INFO ? 'info' : 'debug';
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: name, msg: message, component: 'kafkajs', ...extra }) + '\n');
};

/**
 * How long a fetch waits on the broker for data (kafkajs' default is 5 s). A consumer's
 * disconnect waits for the fetch in flight, so this bounds how long an idle stage takes to
 * stop; with data flowing a fetch returns as soon as there is any, so throughput does not
 * depend on it.
 */
export const FETCH_MAX_WAIT_MS = 500;

/**
 * The one place that knows how to build a kafkajs client from our configuration. Kafka is
 * an adapter: nothing in the pure core imports kafkajs.
 */
export function createKafka(config: Pick<S1migConfig, 'kafka'>, clientSuffix = ''): KafkaClient {
  const k = config.kafka;
  const options: KafkaConfig = {
    clientId: clientSuffix ? `${k.clientId}-${clientSuffix}` : k.clientId,
    brokers: [...k.brokers],
    ssl: kafkaTlsOptions(k),
    connectionTimeout: k.connectionTimeoutMs,
    requestTimeout: k.requestTimeoutMs,
    logLevel: process.env['S1MIG_LOG_LEVEL'] === 'debug' ? logLevel.DEBUG : logLevel.WARN,
    logCreator: jsonLogCreator,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
  };
  if (k.sasl) options.sasl = kafkaSaslOptions(k.sasl);
  assertReadCommitted();
  return new Kafka(options);
}

/** kafkajs' `ssl`: false, true (the system's CAs), or the TLS options of kafka.tls with their files read. */
export function kafkaTlsOptions(k: Pick<S1migConfig['kafka'], 'ssl' | 'tls'>): boolean | ConnectionOptions {
  if (!k.ssl) return false;
  const t = k.tls;
  if (t.ca === null && t.cert === null && t.servername === null) return true;
  return {
    ...(t.ca !== null ? { ca: [readFileSync(t.ca)] } : {}),
    ...(t.cert !== null && t.key !== null ? { cert: readFileSync(t.cert), key: readFileSync(t.key) } : {}),
    ...(t.servername !== null ? { servername: t.servername } : {}),
  };
}

/** kafkajs' `sasl`: OAUTHBEARER reads its token file at every authentication, so an agent that rewrites it keeps the client going. */
export function kafkaSaslOptions(s: SaslOptions): SASLOptions {
  if (s.mechanism === 'oauthbearer') {
    const file = s.tokenFile!;
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: readFileSync(file, 'utf8').trim() }) };
  }
  return { mechanism: s.mechanism, username: s.username ?? '', password: s.password ?? '' } as SASLOptions;
}
