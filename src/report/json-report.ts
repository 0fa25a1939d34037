import type { TextOutput } from './output.js';
import type { InstallationReport, ReportHeader, ReportSink, ReportSummary } from './types.js';

/**
 * Streams the JSON report of validation.md: byte for byte what JSON.stringify(report,
 * null, 2) of the whole document would give, without ever holding the whole document.
 */
export class JsonReportSink implements ReportSink {
  private count = 0;

  constructor(private readonly out: TextOutput) {}

  async begin(h: ReportHeader): Promise<void> {
    const head = {
      fileId: h.fileId,
      smso: h.smso,
      requestingParty: h.requestingParty,
      purpose: h.purpose,
      status: h.status,
      errors: h.errors.map((e) => ({ code: e.code, message: e.message })),
    };
    const text = JSON.stringify(head, null, 2);
    // Reopen the object after "errors" to stream the installations array.
    await this.out.write(`${text.slice(0, text.length - 2)},\n  "installations": [`);
  }

  async installation(inst: InstallationReport): Promise<void> {
    const ordered = {
      installationId: inst.installationId,
      status: inst.status,
      errors: inst.errors.map((e) => ({ code: e.code, message: e.message })),
      devices: inst.devices.map((d) => ({
        deviceId: d.deviceId,
        deviceType: d.deviceType,
        status: d.status,
        errors: d.errors.map((e) => ({ code: e.code, message: e.message })),
      })),
    };
    const body = indent(JSON.stringify(ordered, null, 2), '    ');
    await this.out.write(`${this.count === 0 ? '\n' : ',\n'}    ${body}`);
    this.count++;
  }

  async end(s: ReportSummary): Promise<void> {
    const summary = {
      installations: s.installations,
      valid: s.valid,
      partial: s.partial,
      excluded: s.excluded,
      invalid: s.invalid,
      devices: s.devices,
      devicesValid: s.devicesValid,
      devicesInvalid: s.devicesInvalid,
    };
    const close = this.count === 0 ? ']' : '\n  ]';
    await this.out.write(`${close},\n  "summary": ${indent(JSON.stringify(summary, null, 2), '  ')}\n}\n`);
    await this.out.flush();
  }
}

function indent(text: string, pad: string): string {
  return text.replaceAll('\n', `\n${pad}`);
}
