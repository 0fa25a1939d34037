import type { TextOutput } from './output.js';
import type { DeviceReport, InstallationHead, InstallationReport, ReportHeader, ReportSink, ReportSummary } from '../../core/outcome/report.js';

/** The report for a person: the file outcome, the failing items as they come, a summary table. */
export class TextReportSink implements ReportSink {
  constructor(private readonly out: TextOutput) {}

  async begin(h: ReportHeader): Promise<void> {
    const lines = [
      `File        ${h.fileId ?? '-'}`,
      `SMSO        ${h.smso ?? '-'}`,
      `Requester   ${h.requestingParty ?? '-'}`,
      `Purpose     ${h.purpose ?? '-'}`,
      `Status      ${h.status.toUpperCase()}`,
    ];
    for (const e of h.errors) lines.push(`  ${e.code}: ${e.message}`);
    await this.out.write(lines.join('\n') + '\n');
  }

  async installation(inst: InstallationReport): Promise<void> {
    const text = this.render(inst);
    if (text !== '') await this.out.write(text);
  }

  /** Only installations with something to say are shown: '' for a valid one without failing devices. */
  render(inst: InstallationReport): string {
    const failing = inst.devices.filter((d) => d.status === 'invalid');
    if (inst.status === 'valid' && failing.length === 0 && (inst.migration === undefined || inst.migration.status === 'migrated')) return '';
    return headLines(inst) + failing.map(deviceLines).join('');
  }

  async installationStream(head: InstallationHead, devices: AsyncIterable<DeviceReport>): Promise<void> {
    // Streamed installations are INST_STRUCTURE (over 32 devices): never valid, always shown.
    await this.out.write(headLines(head));
    for await (const d of devices) if (d.status === 'invalid') await this.out.write(deviceLines(d));
  }

  async rendered(texts: AsyncIterable<string>): Promise<void> {
    for await (const text of texts) await this.out.write(text);
  }

  async end(s: ReportSummary): Promise<void> {
    const rows: [string, number][] = [
      ['installations', s.installations],
      ['  valid', s.valid],
      ['  partial', s.partial],
      ['  excluded', s.excluded],
      ['  invalid', s.invalid],
      ['devices', s.devices],
      ['  valid', s.devicesValid],
      ['  invalid', s.devicesInvalid],
      ...(s.migration ? ([
        ['migrated', s.migration.migrated],
        ['  partial', s.migration.migratedPartial],
        ['  dormant', s.migration.migratedDormant],
        ['failed', s.migration.failed],
        ['waiting', s.migration.waiting],
        ['not authorised', s.migration.notAuthorised],
        ['alerts sent', s.migration.alerts.sent],
        ['  not sent: supplier not in directory', s.migration.alerts.notSent['supplier-unknown']],
        ['  not sent: DUIS below 3.0', s.migration.alerts.notSent['duis-below-3']],
      ] as [string, number][]) : []),
    ];
    const table = rows.map(([k, v]) => `${k.padEnd(16)}${String(v).padStart(10)}`).join('\n');
    await this.out.write(`\nSummary\n${table}\n`);
    await this.out.flush();
  }
}

function headLines(inst: InstallationHead & { readonly migration?: InstallationReport['migration'] }): string {
  const m = inst.migration;
  const migration = m === undefined ? '' : `, ${m.status}${m.attempt !== null ? ` (attempt ${m.attempt}${m.code !== null ? `, ${m.code}` : ''})` : ''}`;
  const lines = [`\nInstallation ${inst.installationId}: ${inst.status}${migration}`];
  for (const e of inst.errors) lines.push(`  ${e.code}: ${e.message}`);
  return lines.join('\n') + '\n';
}

function deviceLines(d: DeviceReport): string {
  const lines = [`  device ${d.deviceId ?? '(no id)'} (${d.deviceType ?? 'no type'}): invalid`];
  for (const e of d.errors) lines.push(`    ${e.code}: ${e.message}`);
  return lines.join('\n') + '\n';
}
