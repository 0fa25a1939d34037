import { canonicalEui } from '../values.js';
import type { HeaderTexts } from './types.js';

/** Parsed Header values needed by the later check steps. */
export interface ParsedHeader {
  readonly fileId: string;
  readonly requestingParty: string; // canonical EUI-64
  readonly smso: string;
  readonly purpose: 'Migration' | 'EarlyValidation';
  readonly migrationAuthorisation: string | null;
  readonly createdAtSec: number;
  readonly installationCount: number;
  readonly deviceCount: number;
}

const FILE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SMSO = /^[A-Z0-9]{2,16}$/;
const COHORTS = new Set(['IOC', 'MOC-MDS', 'MOC-SECURE', 'FOC']);
const MA = /^[\x20-\x7e]{1,128}$/;
const COUNT = /^[0-9]{1,10}$/;
const CREATED_AT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?Z$/;

/** Header syntax (mcf-format.md): the parsed values, or the reason it is MCF_MALFORMED. */
export function parseHeader(h: HeaderTexts): ParsedHeader | string {
  if (h.FileID === null || !FILE_ID.test(h.FileID)) return 'FileID missing or malformed';
  const rp = h.RequestingParty === null ? null : canonicalEui(h.RequestingParty);
  if (rp === null) return 'RequestingParty missing or not an EUI-64';
  if (h.SMSO === null || !SMSO.test(h.SMSO)) return 'SMSO missing or malformed';
  if (h.Cohort === null || !COHORTS.has(h.Cohort)) return 'Cohort missing or unknown';
  const purpose = h.Purpose;
  if (purpose !== 'Migration' && purpose !== 'EarlyValidation') return 'Purpose missing or unknown';
  const ma = h.MigrationAuthorisation;
  if (ma !== null && !MA.test(ma)) return 'MigrationAuthorisation malformed';
  if (ma === null && purpose === 'Migration') return 'MigrationAuthorisation missing';
  const createdAtSec = h.CreatedAt === null ? null : parseTimestamp(h.CreatedAt);
  if (createdAtSec === null) return 'CreatedAt missing or not a UTC timestamp';
  if (h.InstallationCount === null || !COUNT.test(h.InstallationCount)) return 'InstallationCount missing or malformed';
  if (h.DeviceCount === null || !COUNT.test(h.DeviceCount)) return 'DeviceCount missing or malformed';
  return {
    fileId: h.FileID,
    requestingParty: rp,
    smso: h.SMSO,
    purpose,
    migrationAuthorisation: ma,
    createdAtSec,
    installationCount: Number(h.InstallationCount),
    deviceCount: Number(h.DeviceCount),
  };
}

/** Whole seconds since the epoch of a CreatedAt text (fraction truncated), or null. */
export function parseTimestamp(text: string): number | null {
  const m = CREATED_AT.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// Proleptic Gregorian days since 1970-01-01 (H. Hinnant's algorithm); Date.UTC maps years 0-99 to 19xx.
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
