/**
 * Plans realistic installations from the seeded PRNG: a CHF, an ESME, usually a GSME,
 * sometimes an IHD, a PPMID or a GPF; models from the eligibility list; MPANs with a valid
 * check digit; a few split-supply sites. Every choice comes from the PRNG, so a seed gives
 * the same sequence of ids, models and MPxNs; keys and certificates are not planned here.
 */
import type { Prng } from '../../core/random/prng.js';
import type { Combination, Product } from './material.js';
import type { PlannedDevice, PlannedInstallation } from './model.js';
import { formatEui } from './model.js';

const SUPPLIERS = ['90b3d51f30010000', '90b3d51f30010003', '90b3d51f30010004', '90b3d51f30010005', '90b3d51f30010006'];
const IHD_MODELS: readonly Product[] = [
  { manufacturer: 'Chameleon Technology', model: 'IHD6-CAD' },
  { manufacturer: 'Geo', model: 'Trio II' },
  { manufacturer: 'Secure', model: 'Orb IHD' },
];
const PPMID_MODELS: readonly Product[] = [{ manufacturer: 'Secure', model: 'PPMID-1' }, { manufacturer: 'Geo', model: 'PPMID Solo' }];
const GPF_MODELS: readonly Product[] = [{ manufacturer: 'Secure', model: 'GPF-1' }];
const MPAN_PRIMES = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/** A 13-digit MPAN core: distributor 10-23, 10 digits, then the standard check digit. */
export function mpanCore(prng: Prng): string {
  const body = String(10 + prng.int(14)) + prng.digits(10);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * MPAN_PRIMES[i]!;
  return body + String((sum % 11) % 10);
}

export interface PlanRequest {
  /** Force a dual-fuel site (for a split-supply defect). */
  readonly forceGsme?: boolean;
  /** 'natural' = a few sites, 'force' = this site, 'never' = none. */
  readonly split: 'natural' | 'force' | 'never';
}

export class InstallationPlanner {
  private readonly withGsme: Combination[];
  private readonly withoutGsme: Combination[];
  private nextDevice: bigint;
  private nextExtra: bigint;

  constructor(
    private readonly prng: Prng,
    combinations: readonly Combination[],
    /** Canonical supplier EUIs the meters get (default a fixed five). */
    private readonly suppliers: readonly string[] = SUPPLIERS,
    /** Canonical EUI-64 the device IDs start from (default a seeded one). */
    firstDevice?: string,
  ) {
    if (suppliers.length === 0) throw new RangeError('at least one supplier is needed');
    const usable = combinations.filter((c) => c.CHF !== undefined && (c.ESME !== undefined || c.GSME !== undefined));
    this.withGsme = usable.filter((c) => c.GSME !== undefined && c.ESME !== undefined);
    this.withoutGsme = usable.filter((c) => c.GSME === undefined && c.ESME !== undefined);
    if (this.withGsme.length + this.withoutGsme.length === 0) {
      throw new RangeError('the eligibility list has no combination with a CHF and an ESME');
    }
    // Device EUIs: 00-DB-<2 seeded bytes>-<4-byte counter>, so files of different seeds rarely collide.
    if (firstDevice !== undefined && !/^[0-9a-f]{16}$/.test(firstDevice)) throw new RangeError(`first device ${JSON.stringify(firstDevice)} is not a canonical EUI-64`);
    const seeded = 0x00db000000000000n | (BigInt(prng.int(0x10000)) << 32n);
    // A chosen start keeps the seed's plan (the draw above happens either way): tests use it
    // for a file whose devices overlap another's under other CHFs.
    const base = firstDevice === undefined ? seeded : BigInt(`0x${firstDevice}`);
    this.nextDevice = base;
    // Devices added by defects come from another range so that the base sequence is unchanged.
    this.nextExtra = base | 0x80000000n;
  }

  get hasDualFuel(): boolean {
    return this.withGsme.length > 0;
  }

  private eui(extra = false): string {
    const v = extra ? this.nextExtra++ : this.nextDevice++;
    return v.toString(16).padStart(16, '0');
  }

  /** A fresh EUI for a device added by a defect. */
  extraEui(): string {
    return this.eui(true);
  }

  private firmware(): string {
    return this.prng.hex(2).toUpperCase();
  }

  private device(type: PlannedDevice['type'] & string, p: Product, parent: number | undefined, withSecrets: boolean): PlannedDevice {
    const eui = this.eui();
    const d: PlannedDevice = {
      eui,
      idText: formatEui(eui),
      typeText: type,
      type,
      manufacturer: p.manufacturer,
      model: p.model,
      firmware: this.firmware(),
      cert: withSecrets ? 'ok' : 'none',
      credential: withSecrets ? 'ok' : 'none',
      keyUsage: this.prng.chance(0.5) ? 'digitalSignature' : 'keyAgreement',
      codes: [],
    };
    if (parent !== undefined) d.parent = parent;
    return d;
  }

  plan(id: string, req: PlanRequest): PlannedInstallation {
    const prng = this.prng;
    const dual = this.withoutGsme.length === 0 || req.forceGsme === true || (this.withGsme.length > 0 && prng.chance(0.8));
    const combo = prng.pick(dual && this.withGsme.length > 0 ? this.withGsme : this.withoutGsme);
    const devices: PlannedDevice[] = [this.device('CHF', combo.CHF!, undefined, true)];
    const suppliers = this.suppliers;
    const supplier = prng.pick(suppliers);
    const esme = this.device('ESME', combo.ESME!, 0, true);
    esme.mpxn = mpanCore(prng);
    esme.supplier = supplier;
    devices.push(esme);
    let gsmeIndex: number | undefined;
    if (combo.GSME !== undefined) {
      const gsme = this.device('GSME', combo.GSME, 0, true);
      gsme.mpxn = prng.digits(10, true);
      const split = req.split === 'force' || (req.split === 'natural' && prng.chance(0.08));
      // A split needs a second supplier; with only one there is none to split to.
      gsme.supplier = split && suppliers.length > 1 ? suppliers[(suppliers.indexOf(supplier) + 1 + prng.int(suppliers.length - 1)) % suppliers.length]! : supplier;
      gsmeIndex = devices.push(gsme) - 1;
      if (prng.chance(0.1)) devices.push(this.device('GPF', prng.pick(GPF_MODELS), 0, false));
    }
    const meters = gsmeIndex === undefined ? [1] : [1, gsmeIndex];
    if (prng.chance(0.6)) devices.push(this.device('IHD', prng.pick(IHD_MODELS), 1, false));
    if (prng.chance(0.15)) devices.push(this.device('PPMID', prng.pick(PPMID_MODELS), prng.pick(meters), false));
    const inst: PlannedInstallation = { id, migrationType: prng.chance(0.05) ? 'Dormant' : 'Active', devices, injected: [] };
    if (prng.chance(0.5)) inst.groupId = `G-${1 + prng.int(999)}`;
    return inst;
  }
}
