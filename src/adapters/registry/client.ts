import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { S1migConfig } from '../config/config.js';

/** The Confluent-compatible registry client (Apicurio's /apis/ccompat/v7 locally). */
export function createRegistry(config: Pick<S1migConfig, 'registry'>): SchemaRegistry {
  const r = config.registry;
  return new SchemaRegistry({
    host: r.url,
    clientId: 's1mig',
    retry: { retries: 3 },
    ...(r.username !== null ? { auth: { username: r.username, password: r.password ?? '' } } : {}),
    // A registry behind a private CA: trusted through an agent that knows it.
    ...(r.tls.ca !== null ? { agent: new Agent({ ca: readFileSync(r.tls.ca), keepAlive: true }) } : {}),
  });
}
