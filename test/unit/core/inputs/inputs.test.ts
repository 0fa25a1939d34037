import { describe, expect, it } from 'vitest';
import { duisReceivesAlerts, parseAuthorisations, parseSuppliers } from '../../../../src/core/inputs/authorisations.js';
import { parseCsv } from '../../../../src/core/inputs/csv.js';
import { isCalendarDate, londonDate, londonDay } from '../../../../src/core/inputs/london-day.js';

describe('parseCsv (RFC 4180, header required, columns in any order)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, comments and blank lines skipped', () => {
    const text = '\ufeff# a comment\r\nb,a\r\n\r\n"x, ""y""",1\n   \n# another\n"multi\nline",2\nplain,"3"';
    const r = parseCsv(text, ['a', 'b']);
    expect(r).toEqual({ ok: true, rows: [
      { line: 4, values: { b: 'x, "y"', a: '1' } },
      { line: 7, values: { b: 'multi\nline', a: '2' } },
      { line: 9, values: { b: 'plain', a: '3' } },
    ] });
  });

  it('refuses the whole file with every problem numbered: unknown, missing and repeated columns, wrong field counts, bad quotes', () => {
    const r = parseCsv('a,c,c\n1,2\n1,2,3\nx"y,2,3\n"open,2,3', ['a', 'b']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.line)).toEqual([1, 1, 1, 1, 2, 4, 5]);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/unknown column "c"[\s\S]*column b missing[\s\S]*column c repeated[\s\S]*2 fields, the header has 3[\s\S]*quote inside[\s\S]*not closed/);
  });

  it('needs a header', () => {
    expect(parseCsv('# only a comment\n\n', ['a'])).toEqual({ ok: false, problems: [{ line: 1, message: 'no header row' }] });
  });
});

describe('Migration Authorisation files', () => {
  const header = 'reference,supplier,smso,migrationDate,requested,committed\n';
  it('reads the spec\'s example, the supplier stored canonical', () => {
    const r = parseAuthorisations(`${header}MA_S1SP_90-B3-D5-1F-30-01-00-00_20261201_090000,90-B3-D5-1F-30-01-00-00,MDS,2026-12-01,500,400\n`);
    expect(r).toEqual({ ok: true, records: [{
      reference: 'MA_S1SP_90-B3-D5-1F-30-01-00-00_20261201_090000', supplier: '90b3d51f30010000', smso: 'MDS', migrationDate: '2026-12-01', requested: 500, committed: 400,
    }] });
  });

  it('refuses the file with every bad line numbered', () => {
    const r = parseAuthorisations(header + [
      'MA-1,90-B3-D5-1F-30-01-00-00,MDS,2026-12-01,500,400',
      'MA-2,not-an-eui,XYZ,2026-02-30,5,6',
      'MA-1,90-B3-D5-1F-30-01-00-00,LG,2026-12-01,10000001,0',
      ' MA-3,90-B3-D5-1F-30-01-00-00,LG,2026-12-01,-1,0',
      'MA-4,90-b3-d5-1f-30-01-00-00,TRILLIANT,2027-01-31,0,0',
    ].join('\n'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const by = (line: number) => r.problems.filter((p) => p.line === line).map((p) => p.message);
    expect(by(2)).toEqual([]);
    expect(by(3).join(' | ')).toMatch(/supplier "not-an-eui".*smso "XYZ".*migrationDate "2026-02-30".*committed 6 is more than requested 5/);
    expect(by(4).join(' | ')).toMatch(/reference MA-1 repeated \(line 2\).*requested "10000001"/);
    expect(by(5).join(' | ')).toMatch(/must not start or end with a space.*requested "-1"/);
    expect(by(6)).toEqual([]);
  });
});

describe('supplier directory files', () => {
  it('reads suppliers and says who gets S1SP alerts (DUIS 3.0 and above)', () => {
    const r = parseSuppliers('supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n90-B3-D5-1F-30-01-00-0A,2.1,"Supplier, B"\n');
    expect(r).toEqual({ ok: true, records: [
      { supplier: '90b3d51f30010000', duisVersion: '5.4', name: 'Supplier A' },
      { supplier: '90b3d51f3001000a', duisVersion: '2.1', name: 'Supplier, B' },
    ] });
    expect(['5.4', '3.0', '2.9', '10.0', 'x'].map(duisReceivesAlerts)).toEqual([true, true, false, true, false]);
  });

  it('refuses bad lines by number', () => {
    const r = parseSuppliers('name,supplier,duisVersion\n,90-B3-D5-1F-30-01-00-00,5\nA,90-B3-D5-1F-30-01-00-00,5.4\nB,90-B3-D5-1F-30-01-00-00,5.4\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => [p.line, p.message])).toEqual([
      [2, 'duisVersion "5" is not MAJOR.MINOR'], [2, 'name must be 1-200 characters'], [3, 'supplier repeated (line 2)'], [4, 'supplier repeated (line 2)'],
    ]);
  });
});

describe('migration days in Europe/London', () => {
  it('run local midnight to local midnight: 24 hours, 23 when the clocks go forward, 25 when they go back', () => {
    const len = (d: string) => (londonDay(d).endMs - londonDay(d).startMs) / 3_600_000;
    expect(len('2026-12-01')).toBe(24);
    expect(londonDay('2026-12-01').startMs).toBe(Date.UTC(2026, 11, 1));
    expect(len('2026-03-29')).toBe(23);
    expect(len('2026-10-25')).toBe(25);
    expect(londonDay('2026-07-01').startMs).toBe(Date.UTC(2026, 5, 30, 23));
    expect(londonDate(Date.UTC(2026, 5, 30, 23, 30))).toBe('2026-07-01');
    expect(londonDate(Date.UTC(2026, 11, 1, 23, 59))).toBe('2026-12-01');
  });

  it('are real calendar dates only', () => {
    expect(['2026-02-28', '2028-02-29', '2026-02-29', '2026-13-01', '26-01-01', '2026-1-01'].map(isCalendarDate)).toEqual([true, true, false, false, false, false]);
  });
});
