import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DeviceType } from '../core/device-crypto.js';
import type { DeviceCode } from '../errors/codes.js';
import { S1migError } from '../errors/s1mig-error.js';
import type { DeviceOutcome } from './device-rules.js';
import type { InstallationFacts } from './installation-rules.js';

/** One installation as the report needs it once the file has been read: no certificate or credential text. */
export interface SpooledInstallation extends InstallationFacts {
  readonly id: string;
  readonly devices: readonly DeviceOutcome[];
}

const FLUSH_CHARS = 1 << 20;

type DeviceRow = [
  string | null, string | null, string | null, DeviceType | null, string | null, 0 | 1,
  string | null, string | null, string | null, DeviceCode[],
];
type InstallationRow = [string, string | null, string | null, number, 0 | 1, DeviceRow[]];

/**
 * Per-installation intermediate results of `validate`, one JSON line each, in file order,
 * in a private temporary directory: the installation rules need the duplicate device IDs
 * of the whole file, so the reports can only be written after the last installation.
 */
export class InstallationSpool {
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;

  private constructor(
    private readonly dir: string,
    private readonly path: string,
    private handle: FileHandle | null,
  ) {}

  static async create(): Promise<InstallationSpool> {
    const dir = await mkdtemp(join(tmpdir(), 's1mig-spool-'));
    try {
      const path = join(dir, 'installations.jsonl');
      return new InstallationSpool(dir, path, await open(path, 'wx', 0o600));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw new S1migError('INTERNAL', `cannot create the validation spool: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Installations appended so far. */
  get size(): number {
    return this.count;
  }

  async append(inst: SpooledInstallation): Promise<void> {
    const row: InstallationRow = [
      inst.id, inst.migrationType, inst.groupId, inst.deviceCount, inst.structureInvalid ? 1 : 0,
      inst.devices.map((d): DeviceRow => [
        d.deviceId, d.deviceType, d.canonicalId, d.type, d.parent, d.parentPresent ? 1 : 0,
        d.manufacturer, d.model, d.supplier, d.errors as DeviceCode[],
      ]),
    ];
    const line = `${JSON.stringify(row)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.count++;
    if (this.pendingChars >= FLUSH_CHARS) await this.flush();
  }

  /** Every appended installation, in order; call once, after the last append. */
  async *read(): AsyncGenerator<SpooledInstallation> {
    await this.flush();
    await this.closeHandle();
    const lines = createInterface({ input: createReadStream(this.path, { encoding: 'utf8' }), crlfDelay: Infinity });
    try {
      for await (const line of lines) yield decode(line);
    } finally {
      lines.close();
    }
  }

  /** Closes and removes the spool; safe to call more than once. */
  async dispose(): Promise<void> {
    await this.closeHandle().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0 || this.handle === null) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    await this.handle.write(text);
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close();
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
