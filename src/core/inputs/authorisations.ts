import { canonicalEui } from '../values.js';
import { parseCsv, type CsvProblem } from './csv.js';
import { isCalendarDate } from './london-day.js';

/** SMSO codes an MA may name (enrolment.md). */
export const MA_SMSOS = ['MDS', 'SECURE', 'TRILLIANT', 'LG'] as const;
export type MaSmso = (typeof MA_SMSOS)[number];

export const MAX_MA_QUANTITY = 10_000_000;

/** One Migration Authorisation, as published on its compacted topic (key: reference). */
export interface MigrationAuthorisation {
  readonly reference: string;
  /** Canonical EUI-64 of the supplier. */
  readonly supplier: string;
  readonly smso: MaSmso;
  /** Calendar day in Europe/London, YYYY-MM-DD. */
  readonly migrationDate: string;
  /** The MA quantity, in installations. */
  readonly requested: number;
  /** The Migration Demand Commitment (MDC), in installations. */
  readonly committed: number;
}

/** One supplier of the directory (key: canonical supplier EUI-64). */
export interface SupplierEntry {
  readonly supplier: string;
  /** The DUIS schema version the supplier last used, MAJOR.MINOR. */
  readonly duisVersion: string;
  readonly name: string;
}

export type InputResult<T> = { readonly ok: true; readonly records: readonly T[] } | { readonly ok: false; readonly problems: readonly CsvProblem[] };

const REFERENCE = /^[\x20-\x7e]{1,128}$/;
const COUNT = /^[0-9]{1,8}$/;
const DUIS_VERSION = /^[0-9]{1,3}\.[0-9]{1,3}$/;

/**
 * An MA file (enrolment.md): reference, supplier, smso, migrationDate, requested, committed.
 * The whole file is refused when any line is bad, every bad line named.
 */
export function parseAuthorisations(text: string): InputResult<MigrationAuthorisation> {
  const csv = parseCsv(text, ['reference', 'supplier', 'smso', 'migrationDate', 'requested', 'committed']);
  if (!csv.ok) return csv;
  const problems: CsvProblem[] = [];
  const records: MigrationAuthorisation[] = [];
  const lines = new Map<string, number>();
  for (const { line, values: v } of csv.rows) {
    const bad = (message: string): void => void problems.push({ line, message });
    const reference = v['reference']!;
    const before = problems.length;
    if (!REFERENCE.test(reference)) bad('reference must be 1-128 printable ASCII characters');
    else if (reference.trim() !== reference) bad('reference must not start or end with a space (an MCF names it trimmed)');
    else if (lines.has(reference)) bad(`reference ${reference} repeated (line ${lines.get(reference)})`);
    const supplier = canonicalEui(v['supplier']!.trim());
    if (supplier === null) bad(`supplier ${JSON.stringify(v['supplier'])} is not an EUI-64 (XX-XX-XX-XX-XX-XX-XX-XX)`);
    const smso = v['smso']!;
    if (!(MA_SMSOS as readonly string[]).includes(smso)) bad(`smso ${JSON.stringify(smso)} is not one of ${MA_SMSOS.join(', ')}`);
    const date = v['migrationDate']!;
    if (!isCalendarDate(date)) bad(`migrationDate ${JSON.stringify(date)} is not a calendar date YYYY-MM-DD`);
    const requested = quantity(v['requested']!);
    const committed = quantity(v['committed']!);
    if (requested === null) bad(`requested ${JSON.stringify(v['requested'])} is not a whole number 0..${MAX_MA_QUANTITY}`);
    if (committed === null) bad(`committed ${JSON.stringify(v['committed'])} is not a whole number 0..${MAX_MA_QUANTITY}`);
    if (requested !== null && committed !== null && committed > requested) bad(`committed ${committed} is more than requested ${requested}`);
    if (REFERENCE.test(reference) && !lines.has(reference)) lines.set(reference, line);
    if (problems.length === before) {
      records.push({ reference, supplier: supplier!, smso: smso as MaSmso, migrationDate: date, requested: requested!, committed: committed! });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, records };
}

/** A supplier directory file (enrolment.md): supplier, duisVersion, name. */
export function parseSuppliers(text: string): InputResult<SupplierEntry> {
  const csv = parseCsv(text, ['supplier', 'duisVersion', 'name']);
  if (!csv.ok) return csv;
  const problems: CsvProblem[] = [];
  const records: SupplierEntry[] = [];
  const lines = new Map<string, number>();
  for (const { line, values: v } of csv.rows) {
    const bad = (message: string): void => void problems.push({ line, message });
    const before = problems.length;
    const supplier = canonicalEui(v['supplier']!.trim());
    if (supplier === null) bad(`supplier ${JSON.stringify(v['supplier'])} is not an EUI-64 (XX-XX-XX-XX-XX-XX-XX-XX)`);
    else if (lines.has(supplier)) bad(`supplier repeated (line ${lines.get(supplier)})`);
    const duisVersion = v['duisVersion']!.trim();
    if (!DUIS_VERSION.test(duisVersion)) bad(`duisVersion ${JSON.stringify(v['duisVersion'])} is not MAJOR.MINOR`);
    const name = v['name']!.trim();
    if (name.length === 0 || name.length > 200) bad('name must be 1-200 characters');
    if (supplier !== null && !lines.has(supplier)) lines.set(supplier, line);
    if (problems.length === before) records.push({ supplier: supplier!, duisVersion, name });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, records };
}

/** True when alerts go to a supplier on this DUIS version (3.0 and above; enrolment.md). */
export function duisReceivesAlerts(version: string): boolean {
  const m = DUIS_VERSION.exec(version);
  return m !== null && Number(version.split('.')[0]) >= 3;
}

function quantity(text: string): number | null {
  if (!COUNT.test(text)) return null;
  const n = Number(text);
  return n <= MAX_MA_QUANTITY ? n : null;
}
