import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import type { ReportSink } from '../../core/outcome/report.js';
import type { FileState } from '../../pipeline/file-state.js';
import { lookUpFile, type FileLookup } from '../../jobs/report/read-report.js';
import { connectedConfig } from '../../jobs/connect.js';
import { JsonReportSink } from '../render/json-report.js';
import { writableOutput } from '../render/output.js';
import { TextReportSink } from '../render/text-report.js';
import type { CliCommand } from '../command.js';

const USAGE = `usage: s1mig report FILE_KEY|FILE_ID [--json] [--wait [--until validated|complete]] [--timeout SECONDS] [--config FILE]

Reads the file's report back from the pipeline's topics (read_committed), in the shape of
\`validate --json\` with the migration block for a Migration file, after the file's state
(uploading, emitting, validating, enrolling, complete, rejected) and every upload of its
key (accepted, rejected re-submissions, transport rejections). FILE_ID works when one file
key has it; an upload still arriving is found by its whole FILE_KEY.
--json       the report object with "state", "progress" and "uploads" after "summary"
--wait       read again every 2 seconds until the file reaches --until's state or fails
--until      validated (every installation has its validation outcome) or complete
             (also every enrolment final; the default)
--timeout    seconds: reading the topics, or with --wait the whole wait (default 60, with --wait 600)
Exit status: 0 accepted and at the state asked for, 1 rejected or unknown, 4 still in progress.`;

/** Exit status of a file not yet at the state asked for (also when --wait ran out of time). */
export const IN_PROGRESS_EXIT = 4;
const POLL_MS = 2000;

interface ReportArgs {
  file: string;
  json: boolean;
  config: string | undefined;
  timeoutMs: number;
  wait: boolean;
  until: 'validated' | 'complete';
}

function parse(args: string[]): ReportArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        timeout: { type: 'string' },
        wait: { type: 'boolean', default: false },
        until: { type: 'string' },
      },
    });
  } catch (err) {
    throw new S1migError('USAGE', `${(err as Error).message.split('\n')[0]} (${USAGE.split('\n')[0]})`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] === '') throw new S1migError('USAGE', `expected exactly one FILE_KEY or FILE_ID (${USAGE.split('\n')[0]})`);
  const wait = values.wait === true;
  // Seconds, as every command's --timeout (demo's too).
  const seconds = values.timeout === undefined ? (wait ? 600 : 60) : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new S1migError('USAGE', `--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
  const until = values.until ?? 'complete';
  if (until !== 'validated' && until !== 'complete') throw new S1migError('USAGE', `--until must be validated or complete, got ${JSON.stringify(until)}`);
  if (values.until !== undefined && !wait) throw new S1migError('USAGE', '--until goes with --wait');
  return { file: positionals[0]!, json: values.json === true, config: values.config, timeoutMs: Math.ceil(seconds * 1000), wait, until };
}

/** Whether a file in `state` has got as far as `until` asks (or will never get further). */
export function reached(state: FileState, until: ReportArgs['until']): boolean {
  if (state === 'complete' || state === 'rejected') return true;
  return until === 'validated' && state === 'enrolling';
}

async function print(found: FileLookup, json: boolean): Promise<void> {
  const out = writableOutput(process.stdout);
  const progress = found.progress!;
  const trailer = { fileKey: found.fileKey, state: progress.state, progress: { done: progress.done, total: progress.total, detail: progress.detail }, uploads: found.uploads };
  const report = found.report;
  if (report === null) {
    // An upload still arriving: no verdict, so no report yet; the same keys a script reads.
    if (json) await out.write(`${JSON.stringify({ status: null, ...trailer }, null, 2)}\n`);
    else await out.write(`${found.fileKey}: ${progress.detail}\n`);
    await out.flush();
    return;
  }
  if (!json) {
    await out.write(`${found.fileKey}: ${progress.detail}\n`);
    for (const u of found.uploads) await out.write(`  upload ${u.upload}  received ${u.receivedAt}  ${u.status}${u.codes.length > 0 ? `  ${u.codes.join(', ')}` : ''}\n`);
    await out.write('\n');
  }
  const sink: ReportSink = json ? new JsonReportSink(out, trailer) : new TextReportSink(out);
  await sink.begin(report.header);
  for (const inst of report.installations) await sink.installation(inst);
  await sink.end(report.summary);
}

async function run(args: string[]): Promise<number> {
  const opts = parse(args);
  const config = await connectedConfig(opts.config);
  const deadline = Date.now() + opts.timeoutMs;
  let found: FileLookup;
  for (;;) {
    found = await lookUpFile(config, opts.file, Math.max(1000, deadline - Date.now()));
    if (found.selection.kind === 'ambiguous') {
      process.stderr.write(`s1mig report: FileID ${opts.file} is ambiguous; use one of: ${found.selection.fileKeys.join(', ')}\n`);
      return 2;
    }
    const state = found.progress?.state;
    if (!opts.wait || (state !== undefined && reached(state, opts.until)) || Date.now() + POLL_MS > deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (found.progress === null) {
    process.stderr.write(`s1mig report: no file ${opts.file} in the files topic${opts.wait ? ` after ${opts.timeoutMs / 1000} s` : ''}, and no upload of it in flight\n`);
    return 1;
  }
  await print(found, opts.json);
  const state = found.progress.state;
  if (state === 'rejected') return 1;
  if (!reached(state, opts.wait ? opts.until : 'complete')) {
    process.stderr.write(`s1mig report: ${found.fileKey} is still in progress (${found.progress.detail})${opts.wait ? ` after ${opts.timeoutMs / 1000} s` : ''}\n`);
    return IN_PROGRESS_EXIT;
  }
  return 0;
}

export const command: CliCommand = { usage: USAGE, run };
