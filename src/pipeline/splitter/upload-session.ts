import { join } from 'node:path';
import { canonicalEui } from '../../core/values.js';
import type { SpoolFault } from '../../adapters/fs/spool-disk.js';
import { VerifiedSpool } from '../../adapters/fs/verified-spool.js';
import { CompactStringSet } from '../../core/mcf/compact-set.js';
import { McfReader } from '../../core/mcf/reader.js';
import type { McfScan } from '../../core/mcf/types.js';
import { MAX_DEVICES } from '../../core/validation/installation-rules.js';

/**
 * Pass 1 of one upload while its chunks arrive: the streaming reader checks structure,
 * limits, counts and the signed range, the duplicate-id sets grow, and the bytes go to a
 * spool file. Memory holds only the reader state and the id sets, never the file; the spool
 * is what pass 2 (emission) reads once the file is verified, so Kafka is read once. The
 * spool proves on the way back that its bytes are the ones this pass read (VerifiedSpool):
 * a spool changed on disk in between fails emission instead of emitting other devices.
 */
export class UploadSession {
  private readonly reader: McfReader;
  private readonly seen = new CompactStringSet();
  readonly duplicates = new CompactStringSet();
  /** Installations of more than MAX_DEVICES devices (index -> device count): emitted in segments. */
  readonly oversized = new Map<number, number>();
  readonly spool: VerifiedSpool;

  /** `dir` is the splitter's private spool folder; `name` is unique within it; `fault` is the tests' disk seam. */
  constructor(dir: string, name: string, fault?: SpoolFault) {
    this.spool = VerifiedSpool.create(join(dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.mcf`), fault);
    this.reader = new McfReader({
      digest: true,
      maxKeptDevices: 0,
      onDevice: (dev) => {
        const id = dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID);
        if (id !== null && !this.seen.add(id)) this.duplicates.add(id);
      },
      onInstallation: (inst) => {
        if (inst.deviceCount > MAX_DEVICES) this.oversized.set(inst.index, inst.deviceCount);
      },
    });
  }

  write(bytes: Uint8Array): void {
    this.reader.write(bytes);
    this.spool.write(bytes);
  }

  /** Ends pass 1; the spool stays for emission until `discard()`. */
  finish(): McfScan {
    this.spool.seal();
    return this.reader.end();
  }

  discard(): void {
    this.spool.discard();
  }
}
