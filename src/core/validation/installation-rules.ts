import { INSTALLATION_CODES, type InstallationCode } from '../errors/codes.js';
import type { EligibilityCombination } from '../reference/index.js';
import type { RawInstallation } from '../mcf/types.js';
import type { DeviceOutcome } from './device-rules.js';
import { codePoints } from './device-rules.js';
import type { ValidationPolicy } from './policy.js';

export type InstallationStatus = 'valid' | 'partial' | 'excluded' | 'invalid';

export interface InstallationOutcome {
  readonly status: InstallationStatus;
  readonly errors: readonly InstallationCode[];
}

export interface InstallationContext {
  readonly policy: Readonly<ValidationPolicy>;
  readonly eligibility: readonly EligibilityCombination[];
  /** True when this canonical device ID occurs more than once in the file. */
  readonly isDuplicate: (canonicalId: string) => boolean;
  /** Pipeline-only codes that apply (INST_NOT_AUTHORISED, INST_ALREADY_MIGRATED); none offline. */
  readonly extraInvalid?: readonly InstallationCode[];
}

/** What the installation rules read of an installation besides its devices' outcomes. */
export type InstallationFacts = Pick<RawInstallation, 'migrationType' | 'groupId' | 'deviceCount' | 'structureInvalid'>;

/** Devices per installation (mcf-format.md); an installation of more is INST_STRUCTURE. */
export const MAX_DEVICES = 32;
const ONLY_KEY_CODES: ReadonlySet<string> = new Set(['DEV_CREDENTIAL_MISSING', 'DEV_CREDENTIAL_INCOMPLETE']);

/**
 * Installation rules and the outcome precedence (steps 1-5 of validation.md). Pure:
 * `devices` are the outcomes of `evaluateDevice` for `inst.devices`, same order.
 */
export function evaluateInstallation(
  inst: InstallationFacts,
  devices: readonly DeviceOutcome[],
  ctx: InstallationContext,
): InstallationOutcome {
  const codes = new Set<InstallationCode>(ctx.extraInvalid ?? []);
  const structure = structureInvalid(inst, devices);
  if (structure) codes.add('INST_STRUCTURE');
  if (devices.some((d) => d.canonicalId !== null && ctx.isDuplicate(d.canonicalId))) codes.add('INST_DUPLICATE_DEVICE');
  if (!structure) {
    if (!eligible(devices, ctx.eligibility)) codes.add('INST_DMC_NOT_ELIGIBLE');
    if (ctx.policy.splitSupply === 'reject' && splitSupply(devices)) codes.add('INST_SPLIT_SUPPLY');
  }
  if (codes.size > 0) return { status: 'invalid', errors: INSTALLATION_CODES.filter((c) => codes.has(c)) };

  const failed = devices.filter((d) => d.errors.length > 0);
  if (failed.length === 0) return { status: 'valid', errors: [] };
  if (ctx.policy.partial === 'allow' && isPartial(devices, failed)) return { status: 'partial', errors: [] };
  if (failed.every((d) => d.errors.every((c) => ONLY_KEY_CODES.has(c)))) {
    return { status: 'excluded', errors: ['INST_EXCLUDED_MISSING_KEYS'] };
  }
  return { status: 'invalid', errors: [] };
}

/**
 * The outcome of an installation of more than MAX_DEVICES devices, from the one fact about
 * its devices that matters then: whether any of their IDs is a duplicate. Equal to what
 * `evaluateInstallation` gives for it (INST_STRUCTURE, so eligibility and split supply are
 * not evaluated), without holding its devices: there may be a million of them.
 */
export function oversizedOutcome(anyDuplicate: boolean, ctx: Pick<InstallationContext, 'extraInvalid'>): InstallationOutcome {
  const codes = new Set<InstallationCode>(ctx.extraInvalid ?? []);
  codes.add('INST_STRUCTURE');
  if (anyDuplicate) codes.add('INST_DUPLICATE_DEVICE');
  return { status: 'invalid', errors: INSTALLATION_CODES.filter((c) => codes.has(c)) };
}

function structureInvalid(inst: InstallationFacts, devices: readonly DeviceOutcome[]): boolean {
  if (inst.structureInvalid) return true;
  if (inst.migrationType !== 'Active' && inst.migrationType !== 'Dormant') return true;
  if (inst.groupId !== null && codePoints(inst.groupId) > 32) return true;
  if (inst.deviceCount === 0 || inst.deviceCount > MAX_DEVICES) return true;
  const count = (t: string): number => devices.filter((d) => d.type === t).length;
  if (count('CHF') !== 1) return true;
  const esme = count('ESME');
  const gsme = count('GSME');
  if (esme + gsme === 0 || esme > 1 || gsme > 1) return true;
  for (const d of devices) {
    if (d.type === null || d.type === 'CHF') continue;
    const allowed = d.type === 'IHD' || d.type === 'PPMID' ? ['ESME', 'GSME'] : ['CHF'];
    if (d.parent === null) return true; // missing or not an EUI-64
    const target = devices.some((t) => t.canonicalId === d.parent && t.type !== null && allowed.includes(t.type));
    if (!target) return true;
  }
  return false;
}

/** The CHF/ESME/GSME (manufacturer, model) of the file must equal one listed combination. */
function eligible(devices: readonly DeviceOutcome[], combinations: readonly EligibilityCombination[]): boolean {
  const present = (['CHF', 'ESME', 'GSME'] as const).map((t) => ({ t, d: devices.find((x) => x.type === t) }));
  return combinations.some((combo) =>
    present.every(({ t, d }) => {
      const want = combo[t];
      if (d === undefined) return want === undefined;
      return want !== undefined && d.manufacturer !== null && d.model !== null &&
        d.manufacturer === want.manufacturer && d.model === want.model;
    }),
  );
}

function splitSupply(devices: readonly DeviceOutcome[]): boolean {
  const e = devices.find((d) => d.type === 'ESME')?.supplier ?? null;
  const g = devices.find((d) => d.type === 'GSME')?.supplier ?? null;
  return e !== null && g !== null && e !== g;
}

function isPartial(devices: readonly DeviceOutcome[], failed: readonly DeviceOutcome[]): boolean {
  const esme = devices.find((d) => d.type === 'ESME');
  const gsme = devices.find((d) => d.type === 'GSME');
  const chf = devices.find((d) => d.type === 'CHF');
  if (esme === undefined || gsme === undefined || chf === undefined) return false;
  if (!failed.includes(gsme) || esme.errors.length > 0 || chf.errors.length > 0) return false;
  return failed.every((d) => d === gsme || (gsme.canonicalId !== null && d.parent === gsme.canonicalId));
}
