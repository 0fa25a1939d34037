/**
 * The outcome the generator intends for each installation, derived from its plan with the
 * rules of validation.md ("Installation outcome, first matching step wins"), and the
 * streamed writing of FILE.expected.json in the report shape.
 */
import { DEVICE_CODES, INSTALLATION_CODES, type DeviceCode, type FileCode, type InstallationCode } from '../../core/errors/codes.js';
import type { Combination, Product } from './material.js';
import type { PlannedDevice, PlannedInstallation } from './model.js';

export interface ExpectPolicy {
  readonly splitSupply: 'allow' | 'reject';
  readonly partial: 'allow' | 'deny';
}

export type InstallationStatus = 'valid' | 'partial' | 'excluded' | 'invalid';

export interface ExpectedDevice {
  readonly deviceId: string;
  readonly deviceType: string;
  readonly codes: readonly DeviceCode[];
}

export interface ExpectedInstallation {
  readonly installationId: string;
  readonly status: InstallationStatus;
  readonly codes: readonly InstallationCode[];
  readonly devices: readonly ExpectedDevice[];
}

const EUI = /^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/;

function byCatalogue<T extends string>(codes: readonly T[], catalogue: readonly string[]): T[] {
  return [...new Set(codes)].sort((a, b) => catalogue.indexOf(a) - catalogue.indexOf(b));
}

function sameProduct(d: PlannedDevice | undefined, p: Product | undefined): boolean {
  if (d === undefined || p === undefined) return d === undefined && p === undefined;
  return d.manufacturer === p.manufacturer && d.model === p.model;
}

export function isEligible(inst: PlannedInstallation, combinations: readonly Combination[]): boolean {
  const of = (t: string): PlannedDevice | undefined => inst.devices.find((d) => d.type === t && d.typeText === t);
  const chf = of('CHF');
  const esme = of('ESME');
  const gsme = of('GSME');
  return combinations.some((c) => sameProduct(chf, c.CHF) && sameProduct(esme, c.ESME) && sameProduct(gsme, c.GSME));
}

export function evaluateInstallation(inst: PlannedInstallation, combinations: readonly Combination[], policy: ExpectPolicy): ExpectedInstallation {
  const devices: ExpectedDevice[] = inst.devices.map((d) => ({
    deviceId: EUI.test(d.idText) ? d.idText.replaceAll('-', '').toLowerCase() : d.idText,
    deviceType: d.typeText,
    codes: byCatalogue(d.codes, DEVICE_CODES),
  }));
  const result = (status: InstallationStatus, codes: InstallationCode[]): ExpectedInstallation => ({
    installationId: inst.id,
    status,
    codes: byCatalogue(codes, INSTALLATION_CODES),
    devices,
  });

  const codes: InstallationCode[] = [...inst.injected];
  if (!codes.includes('INST_STRUCTURE')) {
    if (!isEligible(inst, combinations)) codes.push('INST_DMC_NOT_ELIGIBLE');
    const esme = inst.devices.find((d) => d.type === 'ESME');
    const gsme = inst.devices.find((d) => d.type === 'GSME');
    if (policy.splitSupply === 'reject' && esme?.supplier !== undefined && gsme?.supplier !== undefined && esme.supplier !== gsme.supplier) {
      codes.push('INST_SPLIT_SUPPLY');
    }
  }
  if (codes.length > 0) return result('invalid', codes);

  const failed = inst.devices.map((_, i) => i).filter((i) => devices[i]!.codes.length > 0);
  if (failed.length === 0) return result('valid', []);
  const at = (t: string): number => inst.devices.findIndex((d) => d.type === t);
  const chf = at('CHF');
  const esme = at('ESME');
  const gsme = at('GSME');
  if (
    policy.partial === 'allow' &&
    esme >= 0 &&
    gsme >= 0 &&
    failed.includes(gsme) &&
    !failed.includes(chf) &&
    !failed.includes(esme) &&
    failed.every((i) => i === gsme || inst.devices[i]!.parent === gsme)
  ) {
    return result('partial', []);
  }
  const keysOnly = failed.every((i) => devices[i]!.codes.every((c) => c === 'DEV_CREDENTIAL_MISSING' || c === 'DEV_CREDENTIAL_INCOMPLETE'));
  if (keysOnly) return result('excluded', ['INST_EXCLUDED_MISSING_KEYS']);
  return result('invalid', []);
}

const MESSAGES: Record<string, string> = {
  INST_EXCLUDED_MISSING_KEYS: 'excluded: missing keys',
};

function errorList(codes: readonly string[]): string {
  return `[${codes.map((c) => JSON.stringify({ code: c, message: MESSAGES[c] ?? `expected by gen: ${c}` })).join(',')}]`;
}

export interface ReportHeader {
  readonly fileId: string | null;
  readonly smso: string | null;
  readonly requestingParty: string | null;
  readonly purpose: string | null;
}

/**
 * Streams the expected report: `begin` writes the head, `installation` one entry per call,
 * `end` the summary. Only the counters are kept in memory.
 */
export class ExpectedReportWriter {
  private first = true;
  private readonly summary = { installations: 0, valid: 0, partial: 0, excluded: 0, invalid: 0, devices: 0, devicesValid: 0, devicesInvalid: 0 };

  constructor(private readonly write: (text: string) => Promise<void>) {}

  async begin(header: ReportHeader, fileCodes: readonly FileCode[]): Promise<void> {
    const head = {
      fileId: header.fileId,
      smso: header.smso,
      requestingParty: header.requestingParty,
      purpose: header.purpose,
      status: fileCodes.length === 0 ? 'accepted' : 'rejected',
    };
    const json = JSON.stringify(head);
    await this.write(`${json.slice(0, -1)},\n "errors": ${errorList(fileCodes)},\n "installations": [`);
  }

  async installation(e: ExpectedInstallation): Promise<void> {
    this.summary.installations++;
    this.summary[e.status]++;
    const devices = e.devices.map((d) => {
      this.summary.devices++;
      if (d.codes.length === 0) this.summary.devicesValid++;
      else this.summary.devicesInvalid++;
      return `{"deviceId":${JSON.stringify(d.deviceId)},"deviceType":${JSON.stringify(d.deviceType)},"status":"${d.codes.length === 0 ? 'valid' : 'invalid'}","errors":${errorList(d.codes)}}`;
    });
    const entry = `{"installationId":${JSON.stringify(e.installationId)},"status":"${e.status}","errors":${errorList(e.codes)},"devices":[\n   ${devices.join(',\n   ')}]}`;
    await this.write(`${this.first ? '\n  ' : ',\n  '}${entry}`);
    this.first = false;
  }

  async end(): Promise<void> {
    await this.write(`${this.first ? '' : '\n '}],\n "summary": ${JSON.stringify(this.summary)}\n}\n`);
  }
}
