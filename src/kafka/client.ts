import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { S1migConfig } from '../config/config.js';

// kafkajs warns about its default partitioner change on every producer; our keys are explicit.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';

/**
 * The one place that knows how to build a kafkajs client from our configuration. Kafka is
 * an adapter: nothing in the pure core imports kafkajs.
 */
export function createKafka(config: Pick<S1migConfig, 'kafka'>, clientSuffix = ''): Kafka {
  const k = config.kafka;
  const options: KafkaConfig = {
    clientId: clientSuffix ? `${k.clientId}-${clientSuffix}` : k.clientId,
    brokers: [...k.brokers],
    ssl: k.ssl,
    connectionTimeout: k.connectionTimeoutMs,
    requestTimeout: k.requestTimeoutMs,
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
  };
  if (k.sasl) options.sasl = { mechanism: k.sasl.mechanism, username: k.sasl.username, password: k.sasl.password } as SASLOptions;
  return new Kafka(options);
}
