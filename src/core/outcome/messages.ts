import type { OutcomeCode } from '../errors/codes.js';
import type { CodedMessage } from './report.js';

/** Free texts for people; the codes are the contract. Never include key material here. */
const MESSAGES: Record<OutcomeCode, string> = {
  MCF_TRANSFER_INCOMPLETE: 'the file transfer is incomplete',
  MCF_CHECKSUM_MISMATCH: 'the reassembled file does not match its checksum',
  MCF_MALFORMED: 'the file is not a well-formed MCF v1 document',
  MCF_UNSUPPORTED_VERSION: 'unsupported schemaVersion',
  MCF_SIGNATURE_MISSING: 'the file has no Signature as the last element',
  MCF_SIGNER_UNKNOWN: 'no file-signing certificate for this SMSO and requesting party',
  MCF_SIGNER_EXPIRED: 'no file-signing certificate valid at CreatedAt',
  MCF_SIGNATURE_INVALID: 'the file signature does not verify',
  MCF_COUNT_MISMATCH: 'InstallationCount or DeviceCount differ from the body',
  MCF_KEY_MISMATCH: 'the file key it was published under is not the one its Header gives',
  MCF_STALE: 'CreatedAt is outside the accepted window',
  MCF_NOT_AUTHORISED: 'the migration authorisation is unknown, for another SMSO, or used up',
  MCF_DUPLICATE_FILE: 'this file was already accepted',
  INST_STRUCTURE: 'the installation structure is invalid',
  INST_DUPLICATE_DEVICE: 'a device ID occurs more than once in the file',
  INST_DMC_NOT_ELIGIBLE: 'the device model combination is not eligible',
  INST_SPLIT_SUPPLY: 'electricity and gas meters have different responsible suppliers',
  INST_NOT_AUTHORISED: 'not covered by the migration authorisation',
  INST_ALREADY_MIGRATED: 'the installation is already migrated',
  INST_ATTEMPTS_EXHAUSTED: 'migration attempts exhausted',
  INST_EXCLUDED_MISSING_KEYS: 'excluded: missing keys',
  DEV_ID_INVALID: 'DeviceID missing or not an EUI-64',
  DEV_TYPE_INVALID: 'DeviceType missing or unknown',
  DEV_FIELD_INVALID: 'a device field is missing, malformed, not allowed or out of order',
  DEV_CERT_MISSING: 'the device certificate is missing',
  DEV_CERT_MALFORMED: 'the device certificate cannot be decoded',
  DEV_CERT_PROFILE: 'the device certificate does not follow the SMKI profile',
  DEV_CERT_UNTRUSTED: 'no trusted CA issued this certificate',
  DEV_CERT_ID_MISMATCH: 'the certificate does not name this device',
  DEV_CERT_EXPIRED: 'the device certificate is not valid at CreatedAt',
  DEV_CREDENTIAL_MISSING: 'the device credential is missing',
  DEV_CREDENTIAL_INVALID: 'the device credential cannot be decrypted',
  DEV_CREDENTIAL_INCOMPLETE: 'a required key is absent or malformed in the credential',
};

/** A code with its message; `detail` (e.g. where a file is malformed) is appended. */
export function coded(code: OutcomeCode, detail?: string): CodedMessage {
  const base = MESSAGES[code];
  return { code, message: detail === undefined ? base : `${base}: ${detail}` };
}
