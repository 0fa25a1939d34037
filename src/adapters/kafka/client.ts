import type { Consumer, ConsumerConfig, Kafka as KafkaClient, KafkaConfig, logCreator, RetryOptions, SASLOptions } from 'kafkajs';
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
 * How the client's admin and producers retry a request: 8 times, the wait doubling from
 * 200 ms up to 10 s. A transactional send that still fails fails its pass, which is replayed
 * from the committed offsets. Consumers retry longer (below).
 */
export const CLIENT_RETRY: Readonly<RetryOptions> = Object.freeze({ initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 });

/**
 * A consumer's retry: kafkajs gives each consumer `{ retries: 5 }` of its own (~6 s), less
 * than a failover. It then crashed while the dead broker was still in the metadata; its
 * LeaveGroup went to the dead coordinator, so it came back under a new member id and its
 * group held the join until the old member's session (30 s) ran out: no final outcome for
 * ~40 s after the leader of the outcome partition was SIGKILLed (issue 13's
 * broker-leader-kill test). kafkajs counts a consumer's retries from its last rebalance, not
 * per failure, so the budget is generous (30, ~80 s), and the wait between two tries is at
 * most 3 s: a consumer fetches again at most 3 s after the cluster has failed over, where a
 * 10 s wait left it idle up to 10 s longer. The consumer rides a failover out as the same
 * member.
 */
export const CONSUMER_RETRY: Readonly<RetryOptions> = Object.freeze({ initialRetryTime: 200, maxRetryTime: 3_000, retries: 30 });

class S1migKafka extends Kafka {
  override consumer(config: ConsumerConfig): Consumer {
    return super.consumer({ retry: { ...CONSUMER_RETRY }, ...config });
  }
}

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
    retry: { ...CLIENT_RETRY },
  };
  if (k.sasl) options.sasl = kafkaSaslOptions(k.sasl);
  assertReadCommitted();
  return new S1migKafka(options);
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
