/**
 * The one error catalogue. Outcome codes are the product's vocabulary, verbatim from
 * ../shared/spec/validation.md; internal codes describe failures of the product itself.
 * Classify errors by `code`, never by `instanceof`.
 */

/** File-level outcome codes, in the spec's check order. */
export const FILE_CODES = [
  'MCF_TRANSFER_INCOMPLETE',
  'MCF_CHECKSUM_MISMATCH',
  'MCF_MALFORMED',
  'MCF_UNSUPPORTED_VERSION',
  'MCF_SIGNATURE_MISSING',
  'MCF_SIGNER_UNKNOWN',
  'MCF_SIGNER_EXPIRED',
  'MCF_SIGNATURE_INVALID',
  'MCF_COUNT_MISMATCH',
  'MCF_KEY_MISMATCH',
  'MCF_STALE',
  'MCF_NOT_AUTHORISED',
  'MCF_DUPLICATE_FILE',
] as const;
export type FileCode = (typeof FILE_CODES)[number];

/** Installation-level outcome codes, in the order of their table. */
export const INSTALLATION_CODES = [
  'INST_STRUCTURE',
  'INST_DUPLICATE_DEVICE',
  'INST_DMC_NOT_ELIGIBLE',
  'INST_SPLIT_SUPPLY',
  'INST_NOT_AUTHORISED',
  'INST_ALREADY_MIGRATED',
  'INST_ATTEMPTS_EXHAUSTED',
  'INST_EXCLUDED_MISSING_KEYS',
] as const;
export type InstallationCode = (typeof INSTALLATION_CODES)[number];

/** Device-level outcome codes, in the order of their table. */
export const DEVICE_CODES = [
  'DEV_ID_INVALID',
  'DEV_TYPE_INVALID',
  'DEV_FIELD_INVALID',
  'DEV_CERT_MISSING',
  'DEV_CERT_MALFORMED',
  'DEV_CERT_PROFILE',
  'DEV_CERT_UNTRUSTED',
  'DEV_CERT_ID_MISMATCH',
  'DEV_CERT_EXPIRED',
  'DEV_CREDENTIAL_MISSING',
  'DEV_CREDENTIAL_INVALID',
  'DEV_CREDENTIAL_INCOMPLETE',
] as const;
export type DeviceCode = (typeof DEVICE_CODES)[number];

export type OutcomeCode = FileCode | InstallationCode | DeviceCode;

/**
 * Internal error codes: failures of configuration, infrastructure or the product itself.
 * `retriable` tells callers whether trying again can help; `exit` is the CLI exit status.
 */
export const INTERNAL_ERRORS = {
  USAGE: { retriable: false, exit: 2, description: 'bad command line or option' },
  CONFIG_INVALID: { retriable: false, exit: 2, description: 'configuration file or environment variable invalid' },
  REF_INVALID: { retriable: false, exit: 2, description: 'reference directory missing, unreadable or malformed' },
  INPUT_UNREADABLE: { retriable: false, exit: 2, description: 'an input file cannot be read' },
  OUTPUT_UNWRITABLE: { retriable: false, exit: 2, description: 'an output file or its folder cannot be written' },
  LOCAL_PREREQUISITE: { retriable: false, exit: 2, description: 'Java 17, Maven or network missing for the local infrastructure' },
  LOCAL_PORT_TAKEN: { retriable: false, exit: 2, description: 'a port of this instance is held by another process' },
  LOCAL_START_FAILED: { retriable: true, exit: 3, description: 'Kafka or the registry did not become healthy in time' },
  KAFKA_UNAVAILABLE: { retriable: true, exit: 3, description: 'the Kafka cluster cannot be reached' },
  REGISTRY_UNAVAILABLE: { retriable: true, exit: 3, description: 'the Schema Registry cannot be reached' },
  RECORD_UNDECODABLE: { retriable: false, exit: 3, description: 'a record on an internal topic is not one of ours: not registry-framed Avro, an unknown schema id, or bytes its schema cannot read' },
  PARTITION_REVOKED: { retriable: true, exit: 3, description: 'a rebalance took the input partition from this member mid-work: nothing of that work is committed, and the partition\'s owner does it again' },
  SCHEMA_INCOMPATIBLE: { retriable: false, exit: 2, description: 'a schema change breaks the subject compatibility rule' },
  TOPIC_CONFLICT: { retriable: false, exit: 2, description: 'an existing topic differs in a way that needs --force' },
  SPOOL_TAMPERED: { retriable: true, exit: 3, description: 'a spool file changed on disk after it was written; the upload is read again from Kafka' },
  SPOOL_UNAVAILABLE: { retriable: true, exit: 3, description: 'the disk of a spool folder refuses it (full, over quota, permissions, read-only, I/O error or the folder removed); nothing is committed past the work that needed it, which is retried' },
  WORKER_FAILED: { retriable: true, exit: 3, description: 'a worker thread failed' },
  INTERNAL: { retriable: false, exit: 3, description: 'an unexpected internal error' },
} as const;
export type InternalCode = keyof typeof INTERNAL_ERRORS;
