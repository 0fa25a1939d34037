import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceType } from '../../core/contracts/device-crypto.js';
import type { DeviceCode } from '../../core/errors/codes.js';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import type { DeviceOutcome } from '../../core/validation/device-rules.js';
import type { InstallationFacts } from '../../core/validation/installation-rules.js';
import { asSpoolError } from '../../adapters/fs/spool-disk.js';
import { SpoolFile } from './spool-file.js';

/** One installation as the report needs it once the file has been read: no certificate or credential text. */
export interface SpooledInstallation extends InstallationFacts {
  readonly id: string;
  readonly devices: readonly DeviceOutcome[];
}

/** What the report needs of one device of an oversized installation. */
export type OversizedDevice = Pick<DeviceOutcome, 'deviceId' | 'deviceType' | 'canonicalId' | 'errors'>;

/**
 * An installation of more devices than the report holds in memory (over 32: INST_STRUCTURE),
 * whose devices were spooled one by one as they were evaluated. `scan` and then `devices`
 * each give its devices once, in order (a first pass for the installation rules and the
 * tally, a second one for the report), read from disk as they are consumed.
 */
export interface StreamedInstallation extends InstallationFacts {
  readonly id: string;
  readonly streamed: true;
  readonly scan: AsyncIterable<OversizedDevice>;
  readonly devices: AsyncIterable<OversizedDevice>;
}

/** The devices of one oversized installation being spooled; `close` once all are in. */
export interface OversizedWriter {
  append(d: OversizedDevice): Promise<void>;
  readonly count: number;
}

type DeviceRow = [
  string | null, string | null, string | null, DeviceType | null, string | null, 0 | 1,
  string | null, string | null, string | null, DeviceCode[],
];
/** The last element, when present, is the number of the installation's rows in the oversized file. */
type InstallationRow = [string, string | null, string | null, number, 0 | 1, DeviceRow[], number?];
type OversizedRow = [string | null, string | null, string | null, DeviceCode[]];

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
    private readonly oversized: SpoolFile,
  ) {}

  static async create(): Promise<InstallationSpool> {
    const dir = await mkdtemp(join(tmpdir(), 's1mig-validate-spool-')).catch((err: unknown) => {
      throw asSpoolError(err, tmpdir(), 'mkdir');
    });
    const opened: SpoolFile[] = [];
    try {
      for (const name of ['installations.jsonl', 'rendered.txt', 'oversized.jsonl']) opened.push(await SpoolFile.create(join(dir, name)));
      const [rows, texts, oversized] = opened as [SpoolFile, SpoolFile, SpoolFile];
      return new InstallationSpool(dir, rows, texts, oversized);
    } catch (err) {
      for (const f of opened) await f.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      // A disk's refusal is already SPOOL_UNAVAILABLE (SpoolFile): exit 3 with the folder and the fix.
      if (errorCode(err) !== undefined) throw err;
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

  /**
   * Starts spooling the devices of an oversized installation, one at a time; then
   * `appendOversized` with its facts once it is closed. One at a time, in file order.
   */
  oversizedWriter(): OversizedWriter {
    const file = this.oversized;
    const w = {
      count: 0,
      async append(d: OversizedDevice): Promise<void> {
        w.count++;
        const row: OversizedRow = [d.deviceId, d.deviceType, d.canonicalId, d.errors as DeviceCode[]];
        await file.append(`${JSON.stringify(row)}\n`);
      },
    };
    return w;
  }

  /** The facts of an oversized installation whose devices went to `writer`. */
  async appendOversized(inst: InstallationFacts & { readonly id: string }, writer: OversizedWriter): Promise<void> {
    const row: InstallationRow = [inst.id, inst.migrationType, inst.groupId, inst.deviceCount, inst.structureInvalid ? 1 : 0, [], writer.count];
    this.count++;
    await this.rows.append(`${JSON.stringify(row)}\n`);
  }

  /**
   * Every appended installation, in order; call once, after the last append. An oversized
   * one's `scan` and `devices` must be read before the next installation is asked for;
   * whatever of them was not read is skipped then.
   */
  async *read(): AsyncGenerator<SpooledInstallation | StreamedInstallation> {
    // Two readers of the oversized devices, one per pass, each moving through the file once.
    const passes = [this.oversized.lines()[Symbol.asyncIterator](), this.oversized.lines()[Symbol.asyncIterator]()] as const;
    try {
      for await (const line of this.rows.lines()) {
        const row = parse<InstallationRow>(line);
        const n = row[6];
        if (n === undefined) {
          yield decode(row);
          continue;
        }
        const [id, migrationType, groupId, deviceCount, structureInvalid] = row;
        const taken = [0, 0];
        yield {
          id, migrationType, groupId, deviceCount, structureInvalid: structureInvalid === 1, streamed: true,
          scan: take(passes[0], n, taken, 0), devices: take(passes[1], n, taken, 1),
        };
        for (const k of [0, 1] as const) for (; taken[k]! < n; taken[k]!++) await next(passes[k]);
      }
    } catch (err) {
      if (errorCode(err) !== undefined) throw err;
      throw new S1migError('INTERNAL', `validation spool corrupted: ${(err as Error).message}`, { cause: err });
    } finally {
      for (const p of passes) await p.return?.(undefined);
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
    await this.oversized.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function parse<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch (err) {
    throw new S1migError('INTERNAL', 'validation spool corrupted', { cause: err });
  }
}

async function next(it: AsyncIterator<string>): Promise<string> {
  const r = await it.next();
  if (r.done === true) throw new S1migError('INTERNAL', 'validation spool corrupted: oversized devices missing');
  return r.value;
}

/** The next `n` oversized devices of pass `k`, counted in `taken` so the caller can skip what was not read. */
function take(it: AsyncIterator<string>, n: number, taken: number[], k: number): AsyncIterable<OversizedDevice> {
  return {
    async *[Symbol.asyncIterator]() {
      while (taken[k]! < n) {
        const line = await next(it);
        taken[k]!++;
        const [deviceId, deviceType, canonicalId, errors] = parse<OversizedRow>(line);
        yield { deviceId, deviceType, canonicalId, errors };
      }
    },
  };
}

function decode(row: InstallationRow): SpooledInstallation {
  const [id, migrationType, groupId, deviceCount, structureInvalid, devices] = row;
  return {
    id, migrationType, groupId, deviceCount, structureInvalid: structureInvalid === 1,
    devices: devices.map(([deviceId, deviceType, canonicalId, type, parent, parentPresent, manufacturer, model, supplier, errors]) => ({
      deviceId, deviceType, canonicalId, type, parent, parentPresent: parentPresent === 1, manufacturer, model, supplier, errors,
    })),
  };
}
