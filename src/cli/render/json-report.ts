import type { TextOutput } from './output.js';
import type { CodedMessage, DeviceReport, InstallationHead, InstallationReport, ReportHeader, ReportSink, ReportSummary } from '../../core/outcome/report.js';
import { summaryJson } from '../../core/outcome/report.js';

/**
 * Streams the JSON report of validation.md: byte for byte what JSON.stringify(report,
 * null, 2) of the whole document would give, without ever holding the whole document.
 */
export class JsonReportSink implements ReportSink {
  private count = 0;

  /**
   * `trailer`: keys written after `summary`, beyond the report of validation.md (`report`
   * adds the file's state and uploads); readers of the spec's keys are unaffected.
   */
  constructor(private readonly out: TextOutput, private readonly trailer: Readonly<Record<string, unknown>> = {}) {}

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
    await this.out.write(this.render(inst, this.count));
    this.count++;
  }

  async installationStream(head: InstallationHead, devices: AsyncIterable<DeviceReport>): Promise<void> {
    await this.out.write(`${this.count === 0 ? '\n' : ',\n'}    ${renderHead(head)}`);
    let k = 0;
    for await (const d of devices) await this.out.write(renderDevice(d, k++ === 0));
    await this.out.write(`${k === 0 ? '[]' : '\n      ]'}\n    }`);
    this.count++;
  }

  render(inst: InstallationReport, index: number): string {
    return `${index === 0 ? '\n' : ',\n'}    ${renderInstallation(inst)}`;
  }

  async rendered(texts: AsyncIterable<string>, count: number): Promise<void> {
    for await (const text of texts) await this.out.write(text);
    this.count += count;
  }

  async end(s: ReportSummary): Promise<void> {
    const summary = summaryJson(s);
    const close = this.count === 0 ? ']' : '\n  ]';
    let extra = '';
    for (const [k, v] of Object.entries(this.trailer)) extra += `,\n  ${JSON.stringify(k)}: ${indent(JSON.stringify(v, null, 2), '  ')}`;
    await this.out.write(`${close},\n  "summary": ${indent(JSON.stringify(summary, null, 2), '  ')}${extra}\n}\n`);
    await this.out.flush();
  }
}

function indent(text: string, pad: string): string {
  return text.replaceAll('\n', `\n${pad}`);
}

const str = JSON.stringify as (value: string | null) => string;

/** A coded list as JSON.stringify(list, null, 2) prints it at indentation `pad`. */
function codedList(list: readonly CodedMessage[], pad: string): string {
  if (list.length === 0) return '[]';
  let out = '[';
  for (let k = 0; k < list.length; k++) {
    const e = list[k]!;
    out += `${k === 0 ? '' : ','}\n${pad}  {\n${pad}    "code": ${str(e.code)},\n${pad}    "message": ${str(e.message)}\n${pad}  }`;
  }
  return `${out}\n${pad}]`;
}

/**
 * One installation exactly as JSON.stringify(ordered, null, 2) indented by four spaces
 * would print it (the golden and the equivalence tests pin this), written out by hand: the
 * generic pretty-printer and the re-indenting were a third of the report's CPU, and the
 * report is written after the file is read, while the workers have nothing left to do.
 */
export function renderInstallation(inst: InstallationReport): string {
  let devices = '[]';
  if (inst.devices.length > 0) {
    devices = '';
    for (let k = 0; k < inst.devices.length; k++) devices += renderDevice(inst.devices[k]!, k === 0);
    devices += '\n      ]';
  }
  const migration = inst.migration === undefined ? '' : `,\n      "migration": ${indent(JSON.stringify(inst.migration, null, 2), '      ')}`;
  return `${renderHead(inst)}${devices}${migration}\n    }`;
}

/** An installation up to its devices' array (open: the devices and the closing follow). */
function renderHead(inst: InstallationHead): string {
  return (
    `{\n      "installationId": ${str(inst.installationId)},\n      "status": ${str(inst.status)},` +
    `\n      "errors": ${codedList(inst.errors, '      ')},\n      "devices": `
  );
}

/** One device of the devices' array; the first one opens the array. */
function renderDevice(d: DeviceReport, first: boolean): string {
  return (
    `${first ? '[' : ','}\n        {\n          "deviceId": ${str(d.deviceId)},\n          "deviceType": ${str(d.deviceType)},` +
    `\n          "status": ${str(d.status)},\n          "errors": ${codedList(d.errors, '          ')}\n        }`
  );
}
