/**
 * The security part of the configuration: TLS to the brokers (a private CA, a client
 * certificate for mutual TLS, the server name to check) and to the registry (a private CA),
 * and SASL (PLAIN, SCRAM, or OAUTHBEARER with a token file that an agent keeps fresh).
 * Files are named by path and checked readable at start-up, so a wrong path is refused with
 * its field named rather than failing at the first connection.
 */
import { accessSync, constants } from 'node:fs';
import { isAbsolute } from 'node:path';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'];

export interface SaslOptions {
  mechanism: SaslMechanism;
  /** PLAIN and SCRAM. */
  username?: string;
  password?: string;
  /** OAUTHBEARER: a file holding the current token, read at every (re-)authentication. */
  tokenFile?: string;
}

/** PEM files by absolute path; null: not used. */
export interface KafkaTls {
  /** CA certificates the brokers' certificates must chain to (default: the system's). */
  ca: string | null;
  /** Client certificate and key, for mutual TLS: both or neither. */
  cert: string | null;
  key: string | null;
  /** The name the brokers' certificates must carry, when it is not the bootstrap host (SNI too). */
  servername: string | null;
}

export const NO_TLS: Readonly<KafkaTls> = Object.freeze({ ca: null, cert: null, key: null, servername: null });

type Fail = (field: string, message: string) => never;

function readableFile(field: string, v: unknown, fail: Fail): void {
  if (v === null) return;
  if (typeof v !== 'string' || !isAbsolute(v)) fail(field, `must be null or an absolute path, got ${JSON.stringify(v)}`);
  try {
    accessSync(v as string, constants.R_OK);
  } catch {
    fail(field, `cannot read ${v as string}`);
  }
}

export function validateSecurity(c: { kafka: { ssl: boolean; sasl: SaslOptions | null; tls: KafkaTls }; registry: { tls: { ca: string | null } } }, fail: Fail): void {
  const t = c.kafka.tls;
  for (const k of ['ca', 'cert', 'key'] as const) readableFile(`kafka.tls.${k}`, t[k], fail);
  if ((t.cert === null) !== (t.key === null)) fail(t.cert === null ? 'kafka.tls.cert' : 'kafka.tls.key', 'kafka.tls.cert and kafka.tls.key go together (mutual TLS)');
  if (t.servername !== null && (typeof t.servername !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(t.servername))) fail('kafka.tls.servername', `must be a host name, got ${JSON.stringify(t.servername)}`);
  if (!c.kafka.ssl && (t.ca !== null || t.cert !== null || t.servername !== null)) fail('kafka.ssl', 'must be true when kafka.tls is set (S1MIG_KAFKA_SSL=true)');
  readableFile('registry.tls.ca', c.registry.tls.ca, fail);
  const s = c.kafka.sasl;
  if (s === null) return;
  if (!SASL_MECHANISMS.includes(s.mechanism)) fail('kafka.sasl.mechanism', `must be ${SASL_MECHANISMS.join(', ')}`);
  if (s.mechanism === 'oauthbearer') {
    if (s.tokenFile === undefined) fail('kafka.sasl.tokenFile', 'is required with oauthbearer (a file holding the current token)');
    readableFile('kafka.sasl.tokenFile', s.tokenFile, fail);
    return;
  }
  if (typeof s.username !== 'string' || s.username === '') fail('kafka.sasl.username', 'is required with a SASL mechanism');
  if (typeof s.password !== 'string') fail('kafka.sasl.password', 'is required with a SASL mechanism');
}
