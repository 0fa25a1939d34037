import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { loadReference, type Reference } from '../../core/reference/index.js';
import { JsonReportSink } from '../render/json-report.js';
import { writableOutput } from '../render/output.js';
import { TextReportSink } from '../render/text-report.js';
import { regularFileSize } from '../../adapters/fs/read-file.js';
import { asSpoolError } from '../../adapters/fs/spool-disk.js';
import { inputPath } from '../../adapters/fs/stream-input.js';
import { checkerFor } from '../../jobs/validate/checker-choice.js';
import { DEFAULT_POLICY, validateFile, type ValidationPolicy } from '../../jobs/validate/validate-file.js';
import { isClosedOutput } from '../closed-output.js';
import type { CliCommand } from '../command.js';
import { progressLine } from '../render/progress.js';

const USAGE = 'usage: s1mig validate FILE|- --ref DIR [--json] [--split-supply allow|reject] [--partial allow|deny]';

interface ValidateArgs {
  file: string;
  ref: string;
  json: boolean;
  policy: ValidationPolicy;
}

function parse(args: string[]): ValidateArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ref: { type: 'string' },
        json: { type: 'boolean', default: false },
        'split-supply': { type: 'string' },
        partial: { type: 'string' },
      },
    });
  } catch (err) {
    throw new S1migError('USAGE', `${(err as Error).message.split('\n')[0]} (${USAGE})`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new S1migError('USAGE', `expected exactly one FILE (${USAGE})`);
  if (values.ref === undefined) throw new S1migError('USAGE', `--ref DIR is required (${USAGE})`);
  const split = values['split-supply'] ?? DEFAULT_POLICY.splitSupply;
  if (split !== 'allow' && split !== 'reject') throw new S1migError('USAGE', `--split-supply must be allow or reject`);
  const partial = values.partial ?? DEFAULT_POLICY.partial;
  if (partial !== 'allow' && partial !== 'deny') throw new S1migError('USAGE', `--partial must be allow or deny`);
  return { file: positionals[0]!, ref: values.ref, json: values.json === true, policy: { splitSupply: split, partial } };
}

/**
 * The report is spooled to a temporary file and copied to stdout only once validation has
 * finished: on exit 2 or 3 stdout stays empty even when a failure happens mid-way.
 */
async function run(args: string[]): Promise<number> {
  const opts = parse(args);
  const ref = loadReference(opts.ref);
  const input = await inputPath(opts.file);
  try {
    return await validateInput(opts, ref, input.path);
  } finally {
    input.dispose();
  }
}

async function validateInput(opts: ValidateArgs, ref: Reference, file: string): Promise<number> {
  const size = await regularFileSize(file);
  const checker = checkerFor(ref.dir, size);
  const spoolDir = await mkdtemp(join(tmpdir(), 's1mig-validate-')).catch(async (err: unknown) => {
    await checker.close();
    throw asSpoolError(err, tmpdir(), 'mkdir');
  });
  const show = progressLine('validating', 'MB', { enabled: !opts.json, format: (bytes) => (bytes / 1e6).toFixed(1) });
  try {
    const spoolPath = join(spoolDir, 'report');
    const spool = createWriteStream(spoolPath, { flags: 'wx', mode: 0o600 });
    // Without a listener, a write of the report's last piece refused by a full disk (issued
    // without a wait for 'drain') escaped as an unhandled 'error' event: a stack trace and
    // exit 1, the status of a rejected file. Told from other failures by identity, it is
    // SPOOL_UNAVAILABLE naming the folder (exit 3).
    let spoolError: unknown = null;
    spool.on('error', (err) => (spoolError = err));
    const out = writableOutput(spool);
    const sink = opts.json ? new JsonReportSink(out) : new TextReportSink(out);
    let summary;
    try {
      summary = await validateFile(file, ref, checker, opts.policy, sink, { onProgress: show.update });
      spool.end();
      await finished(spool);
    } catch (err) {
      throw err === spoolError ? asSpoolError(err, spoolDir, 'write') : err;
    }
    show.clear();
    const status = summary.status === 'accepted' ? 0 : 1;
    try {
      await pipeline(createReadStream(spoolPath), process.stdout, { end: false });
    } catch (err) {
      // A reader that stopped early (`| head`) changes nothing about the verdict.
      if (!isClosedOutput(err)) throw err;
    }
    return status;
  } finally {
    show.clear();
    await checker.close();
    await rm(spoolDir, { recursive: true, force: true });
  }
}

export const command: CliCommand = { usage: USAGE, run };
