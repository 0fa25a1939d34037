import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceType } from '../core/device-crypto.js';
import type { DeviceCode } from '../errors/codes.js';
import { errorCode, S1migError } from '../errors/s1mig-error.js';
import type { DeviceOutcome } from './device-rules.js';
import type { InstallationFacts } from './installation-rules.js';
import { SpoolFile } from './spool-file.js';

/** One installation as the report needs it once the file has been read: no certificate or credential text. */
export interface SpooledInstallation extends InstallationFacts {
  readonly id: string;
  readonly devices: readonly DeviceOutcome[];
}

type DeviceRow = [
  string | null, string | null, string | null, DeviceType | null, string | null, 0 | 1,
  string | null, string | null, string | null, DeviceCode[],
];
type InstallationRow = [string, string | null, string | null, number, 0 | 1, DeviceRow[]];

/**
 * Per-installation intermediate results of `validate`, in file order, in a private temporary
 * directory: the installation rules need the duplicate device IDs of the whole file, so the
 * reports can only be written after the last installation. Two files: one JSON line per
 * installation (what the rules need), and optionally the installation's report text
 * rendered ahead with the duplicates known at the time, which is the final text whenever
 * the file turns out to hold no duplicate device ID (see validateFile).
 */
export class InstallationSpool {
  private count = 0;
  private renderedCount = 0;

  private constructor(
    private readonly dir: string,
    private readonly rows: SpoolFile,
    private readonly texts: SpoolFile,
  ) {}

  static async create(): Promise<InstallationSpool> {
    const dir = await mkdtemp(join(tmpdir(), 's1mig-spool-'));
    try {
      const rows = await SpoolFile.create(join(dir, 'installations.jsonl'));
      const texts = await SpoolFile.create(join(dir, 'rendered.txt')).catch(async (err: unknown) => {
        await rows.close();
        throw err;
      });
      return new InstallationSpool(dir, rows, texts);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new S1migError('INTERNAL', `cannot create the validation spool: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Installations appended so far. */
  get size(): number {
    return this.count;
  }

  /** True when every installation was appended with a rendered text. */
  get allRendered(): boolean {
    return this.renderedCount === this.count;
  }

  async append(inst: SpooledInstallation, rendered?: string): Promise<void> {
    const row: InstallationRow = [
      inst.id, inst.migrationType, inst.groupId, inst.deviceCount, inst.structureInvalid ? 1 : 0,
      inst.devices.map((d): DeviceRow => [
        d.deviceId, d.deviceType, d.canonicalId, d.type, d.parent, d.parentPresent ? 1 : 0,
        d.manufacturer, d.model, d.supplier, d.errors as DeviceCode[],
      ]),
    ];
    this.count++;
    await this.rows.append(`${JSON.stringify(row)}\n`);
    if (rendered !== undefined) {
      this.renderedCount++;
      await this.texts.append(rendered);
    }
  }

  /** Every appended installation, in order; call once, after the last append. */
  async *read(): AsyncGenerator<SpooledInstallation> {
    try {
      for await (const line of this.rows.lines()) yield decode(line);
    } catch (err) {
      if (errorCode(err) !== undefined) throw err;
      throw new S1migError('INTERNAL', `validation spool corrupted: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The rendered texts, concatenated in order, in large blocks; call once, after the last append. */
  renderedBlocks(): AsyncGenerator<string> {
    return this.texts.blocks();
  }

  /** Closes and removes the spool; safe to call more than once. */
  async dispose(): Promise<void> {
    await this.rows.close().catch(() => undefined);
    await this.texts.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function decode(line: string): SpooledInstallation {
  let row: InstallationRow;
  try {
    row = JSON.parse(line) as InstallationRow;
  } catch (err) {
    throw new S1migError('INTERNAL', 'validation spool corrupted', { cause: err });
  }
  const [id, migrationType, groupId, deviceCount, structureInvalid, devices] = row;
  return {
    id, migrationType, groupId, deviceCount, structureInvalid: structureInvalid === 1,
    devices: devices.map(([deviceId, deviceType, canonicalId, type, parent, parentPresent, manufacturer, model, supplier, errors]) => ({
      deviceId, deviceType, canonicalId, type, parent, parentPresent: parentPresent === 1, manufacturer, model, supplier, errors,
    })),
  };
}
