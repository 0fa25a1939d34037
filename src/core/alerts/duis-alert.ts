/**
 * One S1SP alert as a signed DUIS `S1SPAlert` document (enrolment.md "S1SP alerts"). The
 * document is written directly in canonical form (no whitespace between elements, c14n
 * escapes, the one namespace it uses declared on the root), so its digest needs no
 * parse: a test checks that text against the canonicaliser (c14n.ts).
 */
import type { KeyObject } from 'node:crypto';
import { escapeText } from '../xml-dsig/c14n.js';
import { signEnveloped, type SignerIdentity } from '../xml-dsig/signature.js';
import type { AlertCode } from './alert-codes.js';
import { hyphenatedEui } from '../values.js';

export const DUIS_NS = 'http://www.dccinterface.co.uk/ServiceUserGateway';
export const DUIS_SCHEMA_VERSION = '5.4';
const ROOT = 'sr:S1SPAlert';
/** Bounded free text: what this product writes there is an ENR_ code and a short reason. */
export const MAX_ADDITIONAL_INFORMATION = 512;

export interface AlertFields {
  /** DUIS request ID (`<EUI>:<EUI>:<counter>`, hyphenated), or null. */
  readonly requestId: string | null;
  /** The meter, canonical EUI-64 (16 lower-case hex digits). */
  readonly deviceId: string;
  readonly code: AlertCode;
  readonly additionalInformation: string | null;
  readonly atMs: number;
}

/** `00db…` to `00-DB-…` (DUIS's EUI form). */
export function duisEui(canonical: string): string {
  if (!/^[0-9a-f]{16}$/.test(canonical)) throw new RangeError(`${JSON.stringify(canonical)} is not a canonical EUI-64`);
  return hyphenatedEui(canonical);
}

const el = (name: string, text: string): string => `<sr:${name}>${escapeText(text)}</sr:${name}>`;

/** The signed alert document. */
export function renderAlert(f: AlertFields, key: KeyObject, signer: SignerIdentity): string {
  if (f.requestId !== null && !/^([0-9A-F]{2}-){7}[0-9A-F]{2}:([0-9A-F]{2}-){7}[0-9A-F]{2}:(0|[1-9][0-9]{0,19})$/.test(f.requestId)) {
    throw new RangeError(`request ID ${JSON.stringify(f.requestId)} is not in the DUIS form`);
  }
  const info = f.additionalInformation;
  // XML 1.0 characters only, printable: what is not is a bug upstream, not something to send.
  if (info !== null && (info.length > MAX_ADDITIONAL_INFORMATION || /[^\t\n\u0020-\uD7FF\uE000-\uFFFD]/.test(info))) {
    throw new RangeError('AdditionalInformation is too long or holds a character XML does not allow');
  }
  const body = `<${ROOT} xmlns:sr="${DUIS_NS}" schemaVersion="${DUIS_SCHEMA_VERSION}">`
    + (f.requestId === null ? '' : el('RequestID', f.requestId))
    + el('DeviceID', duisEui(f.deviceId))
    + el('S1SPAlertCode', f.code)
    + (info === null ? '' : el('AdditionalInformation', info))
    + el('DateTime', new Date(f.atMs).toISOString());
  return signEnveloped(body, ROOT, key, signer);
}
