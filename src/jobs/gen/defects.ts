/**
 * Defect injection: which codes `gen --defects` can inject, how many installations each
 * gets, and the mutation that produces each code with an unambiguous expected outcome.
 * Every installation gets at most one defect.
 */
import { DEVICE_CODES, type FileCode, type InstallationCode } from '../../core/errors/codes.js';
import { formatEui, type PlannedDevice, type PlannedInstallation } from './model.js';
import type { InstallationPlanner } from './planner.js';
import type { Prng } from '../../core/random/prng.js';

export const FILE_DEFECTS = [
  'MCF_MALFORMED',
  'MCF_UNSUPPORTED_VERSION',
  'MCF_SIGNATURE_MISSING',
  'MCF_SIGNER_UNKNOWN',
  'MCF_SIGNER_EXPIRED',
  'MCF_SIGNATURE_INVALID',
  'MCF_COUNT_MISMATCH',
] as const satisfies readonly FileCode[];
export type FileDefect = (typeof FILE_DEFECTS)[number];

/** Installation-level codes a generator can inject offline; every device code can be injected too. */
const INJECTABLE_INSTALLATION_CODES = [
  'INST_STRUCTURE',
  'INST_DUPLICATE_DEVICE',
  'INST_DMC_NOT_ELIGIBLE',
  'INST_SPLIT_SUPPLY',
  'INST_EXCLUDED_MISSING_KEYS',
] as const satisfies readonly InstallationCode[];

export const INSTALLATION_DEFECTS = [...INJECTABLE_INSTALLATION_CODES, ...DEVICE_CODES] as const;
export type InstallationDefect = (typeof INSTALLATION_DEFECTS)[number];

export interface DefectSpec {
  readonly file: FileDefect | null;
  /** Installation-level defects with their installation counts, in the order given. */
  readonly installations: ReadonlyArray<readonly [InstallationDefect, number]>;
}

/** Parses `CODE[:n|:p%],...`; n defaults to 1, p% is of the installations (rounded, at least 1 when p > 0). */
export function parseDefects(text: string, installations: number): DefectSpec {
  let file: FileDefect | null = null;
  const counts = new Map<InstallationDefect, number>();
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Z_]+)(?::(?:([0-9]{1,9})|([0-9]{1,3}(?:\.[0-9]+)?)%))?$/.exec(part);
    if (m === null) throw new RangeError(`bad defect '${part}' (CODE, CODE:n or CODE:p%)`);
    const code = m[1]!;
    if ((FILE_DEFECTS as readonly string[]).includes(code)) {
      if (file !== null && file !== code) throw new RangeError(`only one file-level defect at a time (${file}, ${code})`);
      file = code as FileDefect;
      continue;
    }
    if (!(INSTALLATION_DEFECTS as readonly string[]).includes(code)) {
      throw new RangeError(`defect '${code}' cannot be injected; the injectable ones are ${[...FILE_DEFECTS, ...INSTALLATION_DEFECTS].join(', ')}`);
    }
    let n: number;
    if (m[3] !== undefined) {
      const p = Number(m[3]);
      if (p > 100) throw new RangeError(`defect '${part}': more than 100%`);
      n = p === 0 ? 0 : Math.max(1, Math.round((installations * p) / 100));
    } else n = m[2] === undefined ? 1 : Number(m[2]);
    counts.set(code as InstallationDefect, (counts.get(code as InstallationDefect) ?? 0) + n);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total > installations) throw new RangeError(`${total} defective installations requested but only ${installations} installations`);
  return { file, installations: [...counts.entries()] };
}

/** Picks distinct installation indices for the defects (sparse partial Fisher-Yates: O(defects) memory). */
export function assignDefects(spec: DefectSpec, installations: number, prng: Prng): Map<number, InstallationDefect> {
  const swapped = new Map<number, number>();
  const out = new Map<number, InstallationDefect>();
  let i = 0;
  for (const [code, n] of spec.installations) {
    for (let k = 0; k < n; k++, i++) {
      const j = i + prng.int(installations - i);
      const vj = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      out.set(vj, code);
    }
  }
  return out;
}

const CERT_BEARING = new Set(['CHF', 'ESME', 'GSME']);

/** A CHF, ESME or GSME of the installation, chosen by the PRNG. */
function secretTarget(inst: PlannedInstallation, prng: Prng): PlannedDevice {
  return prng.pick(inst.devices.filter((d) => d.type !== null && CERT_BEARING.has(d.type)));
}

function addIhd(inst: PlannedInstallation, planner: InstallationPlanner, template: PlannedDevice | undefined): PlannedDevice {
  const eui = planner.extraEui();
  const d: PlannedDevice = {
    eui,
    idText: formatEui(eui),
    typeText: 'IHD',
    type: 'IHD',
    manufacturer: template?.manufacturer ?? 'Geo',
    model: template?.model ?? 'Trio II',
    firmware: '0101',
    parent: 1,
    cert: 'none',
    credential: 'none',
    keyUsage: 'digitalSignature',
    codes: [],
  };
  inst.devices.push(d);
  return d;
}

const UNLISTED_SUFFIX = '-UNLISTED';

/** Mutates a planned installation so that it carries `code` (see the report for the outcome each gives). */
export function applyDefect(inst: PlannedInstallation, code: InstallationDefect, prng: Prng, planner: InstallationPlanner): void {
  switch (code) {
    case 'INST_STRUCTURE':
      inst.migrationType = 'Paused';
      inst.injected.push('INST_STRUCTURE');
      return;
    case 'INST_DUPLICATE_DEVICE': {
      // two IHDs with one ID, parented by the ESME: nothing points at them, so no Parent is ambiguous
      const a = addIhd(inst, planner, undefined);
      const b = addIhd(inst, planner, undefined);
      b.idText = a.idText;
      inst.injected.push('INST_DUPLICATE_DEVICE');
      return;
    }
    case 'INST_DMC_NOT_ELIGIBLE': {
      const chf = inst.devices[0]!;
      chf.model = (chf.model.slice(0, 30 - UNLISTED_SUFFIX.length) + UNLISTED_SUFFIX).slice(0, 30);
      return; // the rules derive INST_DMC_NOT_ELIGIBLE from the model
    }
    case 'INST_SPLIT_SUPPLY':
      return; // planned as a split-supply site; only reported under policy reject
    case 'INST_EXCLUDED_MISSING_KEYS': {
      const esme = inst.devices[1]!;
      if (prng.chance(0.5)) {
        esme.credential = 'none';
        esme.codes.push('DEV_CREDENTIAL_MISSING');
      } else {
        esme.credential = 'incomplete';
        esme.codes.push('DEV_CREDENTIAL_INCOMPLETE');
      }
      return;
    }
    case 'DEV_ID_INVALID': {
      const d = addIhd(inst, planner, undefined);
      d.idText = d.idText.slice(0, -2) + 'ZZ';
      d.codes.push('DEV_ID_INVALID');
      return;
    }
    case 'DEV_TYPE_INVALID': {
      const d = addIhd(inst, planner, undefined);
      d.typeText = 'WIDGET';
      d.codes.push('DEV_TYPE_INVALID');
      return;
    }
    default:
      break;
  }
  const d = secretTarget(inst, prng);
  d.codes.push(code);
  switch (code) {
    case 'DEV_FIELD_INVALID':
      d.firmware = d.firmware.padEnd(9, 'F'); // FirmwareVersion is 1-8 chars
      return;
    case 'DEV_CERT_MISSING':
      d.cert = 'none';
      return;
    case 'DEV_CERT_MALFORMED':
      d.cert = 'malformed';
      return;
    case 'DEV_CERT_PROFILE':
      d.cert = prng.pick(['ku-two-bits', 'ku-non-critical', 'compressed-point'] as const);
      return;
    case 'DEV_CERT_UNTRUSTED':
      d.cert = 'untrusted';
      return;
    case 'DEV_CERT_ID_MISMATCH':
      d.cert = 'id-mismatch';
      return;
    case 'DEV_CERT_EXPIRED':
      d.cert = prng.chance(0.5) ? 'expired' : 'not-yet-valid';
      return;
    case 'DEV_CREDENTIAL_MISSING':
      d.credential = 'none';
      return;
    case 'DEV_CREDENTIAL_INVALID':
      d.credential = 'bad-tag';
      return;
    case 'DEV_CREDENTIAL_INCOMPLETE':
      d.credential = 'incomplete';
      return;
  }
}
