import { TAG, type Tlv } from '../der/reader.js';

/** notAfter value meaning "no expiry" (GeneralizedTime 99991231235959Z). */
export const NO_EXPIRY = Number.POSITIVE_INFINITY;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digits(buf: Uint8Array, start: number, count: number): number | null {
  let v = 0;
  for (let i = start; i < start + count; i++) {
    const c = buf[i]! - 0x30;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Seconds since the epoch of a DER UTCTime (YYMMDDHHMMSSZ, 50-99 = 19YY) or GeneralizedTime
 * (YYYYMMDDHHMMSSZ); 99991231235959Z is NO_EXPIRY. Null when not a valid DER time.
 */
export function readTime(buf: Uint8Array, tlv: Tlv): number | null {
  const len = tlv.end - tlv.contentStart;
  let pos = tlv.contentStart;
  let year: number | null;
  if (tlv.tag === TAG.UTC_TIME && len === 13) {
    const yy = digits(buf, pos, 2);
    if (yy === null) return null;
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    pos += 2;
  } else if (tlv.tag === TAG.GENERALIZED_TIME && len === 15) {
    year = digits(buf, pos, 4);
    pos += 4;
  } else {
    return null;
  }
  if (year === null || buf[tlv.end - 1] !== 0x5a) return null; // 'Z'
  const month = digits(buf, pos, 2);
  const day = digits(buf, pos + 2, 2);
  const hour = digits(buf, pos + 4, 2);
  const minute = digits(buf, pos + 6, 2);
  const second = digits(buf, pos + 8, 2);
  if (month === null || day === null || hour === null || minute === null || second === null) return null;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > dim) return null;
  if (tlv.tag === TAG.GENERALIZED_TIME && year === 9999 && month === 12 && day === 31 && hour === 23 && minute === 59 && second === 59) {
    return NO_EXPIRY;
  }
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

/** "Valid at T": notBefore <= T <= notAfter, both inclusive, in whole seconds. */
export function isValidAt(notBefore: number, notAfter: number, atSec: number): boolean {
  return notBefore <= atSec && atSec <= notAfter;
}
