import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../core/transfer/chunk-headers.js';

export interface SplitterOptions {
  groupId: string;
  /**
   * The folder under which the splitter creates its own private spool folder at start
   * (`s1mig-spool-XXXXXX`, mode 0700, removed on stop): one file per upload while it arrives.
   */
  spoolBase: string;
  /** MCF_STALE: CreatedAt more than this before receipt (validation.md: 30 days). */
  maxFileAgeSec: number;
  /** MCF_TRANSFER_INCOMPLETE when a file is not complete this long after its first chunk. */
  transferTimeoutMs: number;
  maxFileBytes: number;
  /** Devices per emission transaction (an installation is never split). */
  devicesPerTransaction: number;
  sessionTimeoutMs: number;
  /** Back-off after a failed batch, doubled up to the maximum (heartbeating all along). */
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** How often uploads are checked for the transfer timeout. */
  expiryCheckMs: number;
}

export const SPLITTER_DEFAULTS: Readonly<SplitterOptions> = Object.freeze({
  groupId: 's1mig-splitter',
  spoolBase: tmpdir(),
  maxFileAgeSec: 30 * 86400,
  transferTimeoutMs: 10 * 60_000,
  maxFileBytes: DEFAULT_MAX_FILE_BYTES,
  devicesPerTransaction: 2000,
  sessionTimeoutMs: 30_000,
  retryBackoffMs: 1_000,
  retryBackoffMaxMs: 30_000,
  expiryCheckMs: 5_000,
});

export function splitterOptions(partial: Partial<SplitterOptions> = {}): Readonly<SplitterOptions> {
  const o = { ...SPLITTER_DEFAULTS, ...partial };
  const positive = (name: keyof SplitterOptions): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new S1migError('CONFIG_INVALID', `splitter.${name} must be a positive number, got ${String(v)}`);
  };
  for (const k of ['maxFileAgeSec', 'transferTimeoutMs', 'maxFileBytes', 'devicesPerTransaction', 'sessionTimeoutMs', 'retryBackoffMs', 'retryBackoffMaxMs', 'expiryCheckMs'] as const) positive(k);
  if (o.retryBackoffMaxMs < o.retryBackoffMs) throw new S1migError('CONFIG_INVALID', 'splitter.retryBackoffMaxMs must be at least splitter.retryBackoffMs');
  if (typeof o.groupId !== 'string' || o.groupId === '') throw new S1migError('CONFIG_INVALID', 'splitter.groupId must be a non-empty string');
  if (typeof o.spoolBase !== 'string' || !isAbsolute(o.spoolBase)) throw new S1migError('CONFIG_INVALID', `splitter.spoolBase must be an absolute path, got ${JSON.stringify(o.spoolBase)}`);
  return Object.freeze(o);
}
