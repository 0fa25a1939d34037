import { loadConfig, type S1migConfig } from '../adapters/config/config.js';
import { probeBrokers } from '../adapters/kafka/probe.js';
import { probeRegistry } from '../adapters/registry/probe.js';

/**
 * The configuration of a command that talks to Kafka and the registry, after checking that
 * both answer at all: an unreachable broker or registry is one clear line within the
 * connection timeout (exit 3), not half a minute of client retries logged as errors.
 */
export async function connectedConfig(file?: string): Promise<Readonly<S1migConfig>> {
  const config = loadConfig({ file });
  const timeoutMs = Math.max(config.kafka.connectionTimeoutMs, 1000);
  await Promise.all([probeBrokers(config.kafka.brokers, timeoutMs), probeRegistry(config.registry, timeoutMs)]);
  return config;
}
