import type { FileReport } from '../../pipeline/file-report.js';
import type { ReportSummary } from '../../core/outcome/report.js';

export interface UploadSummary extends Pick<ReportSummary, 'installations' | 'valid' | 'partial' | 'excluded' | 'invalid' | 'devices'> {
  label: string;
  fileKey: string;
  purpose: string | null;
  status: 'accepted' | 'rejected' | 'pending';
  fileCodes: string[];
  topCodes: Array<[string, number]>;
  /** Migration files: where enrolment has got to (null for other files). */
  migration: { migrated: number; partial: number; dormant: number; failed: number; waiting: number; notAuthorised: number } | null;
}

/** What a person wants to see of one upload, from its report as the topics hold it. */
export function summarise(label: string, report: FileReport | null, fileKey: string): UploadSummary {
  if (report === null) {
    return { label, fileKey, purpose: null, status: 'pending', fileCodes: [], installations: 0, valid: 0, partial: 0, excluded: 0, invalid: 0, devices: 0, topCodes: [], migration: null };
  }
  const counts = new Map<string, number>();
  for (const inst of report.installations) {
    for (const e of inst.errors) counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
    for (const d of inst.devices) for (const e of d.errors) counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
  }
  const s = report.summary;
  return {
    label, fileKey, purpose: report.header.purpose, status: report.header.status, fileCodes: report.header.errors.map((e) => e.code),
    installations: s.installations, valid: s.valid, partial: s.partial, excluded: s.excluded, invalid: s.invalid, devices: s.devices,
    topCodes: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3),
    migration: s.migration === undefined ? null : {
      migrated: s.migration.migrated, partial: s.migration.migratedPartial, dormant: s.migration.migratedDormant, failed: s.migration.failed,
      waiting: s.migration.waiting, notAuthorised: s.migration.notAuthorised,
    },
  };
}

export function formatSummaries(rows: UploadSummary[]): string {
  const head = ['upload', 'file key', 'status', 'inst', 'valid', 'partial', 'excl', 'invalid', 'migrated', 'm-part', 'm-dorm', 'failed', 'waiting', 'not-auth', 'top codes'];
  const m = (r: UploadSummary, k: keyof NonNullable<UploadSummary['migration']>): string => (r.migration === null ? '-' : String(r.migration[k]));
  const body = rows.map((r) => [
    r.label, r.fileKey, r.status, String(r.installations), String(r.valid), String(r.partial), String(r.excluded), String(r.invalid),
    m(r, 'migrated'), m(r, 'partial'), m(r, 'dormant'), m(r, 'failed'), m(r, 'waiting'), m(r, 'notAuthorised'),
    r.status === 'rejected' ? r.fileCodes.join(',') : r.topCodes.map(([c, n]) => `${c}×${n}`).join(', '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
