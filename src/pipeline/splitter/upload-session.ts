import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalEui } from '../../core/values.js';
import { CompactStringSet } from '../../mcf/compact-set.js';
import { McfReader } from '../../mcf/reader.js';
import type { McfScan } from '../../mcf/types.js';

/**
 * Pass 1 of one upload while its chunks arrive: the streaming reader checks structure,
 * limits, counts and the signed range, the duplicate-id sets grow, and the bytes go to a
 * spool file. Memory holds only the reader state and the id sets, never the file; the spool
 * is what pass 2 (emission) reads once the file is verified, so Kafka is read once.
 */
export class UploadSession {
  private readonly reader: McfReader;
  private readonly seen = new CompactStringSet();
  readonly duplicates = new CompactStringSet();
  private fd: number | null;
  readonly spoolPath: string;

  constructor(spoolDir: string, name: string) {
    this.spoolPath = join(spoolDir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.mcf`);
    this.fd = openSync(this.spoolPath, 'w', 0o600);
    this.reader = new McfReader({
      digest: true,
      maxKeptDevices: 0,
      onDevice: (dev) => {
        const id = dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID);
        if (id !== null && !this.seen.add(id)) this.duplicates.add(id);
      },
    });
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null) throw new Error('upload session closed');
    this.reader.write(bytes);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }

  /** Ends pass 1; the spool stays for emission until `discard()`. */
  finish(): McfScan {
    this.closeFd();
    return this.reader.end();
  }

  discard(): void {
    this.closeFd();
    rmSync(this.spoolPath, { force: true });
  }

  private closeFd(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
