/**
 * The bench input: a reference directory and a generated MCF, made once with the real CLI
 * and a fixed seed, then cached under bench/.cache/ (git-ignored) because generation runs
 * at only ~1,500-2,000 devices/s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Dataset {
  readonly refDir: string;
  readonly file: string;
  readonly bytes: number;
  readonly installations: number;
  readonly devices: number;
  readonly seed: string;
}

export const SEED = 's1mig-bench';
/** Fixed so that the cached file stays byte-identical apart from signature values. */
const CREATED_AT = '2026-01-15T09:00:00Z';
/** The generator's mix averages ~3.6 devices per installation (28,000 -> ~100k). */
const DEVICES_PER_INSTALLATION = 3.57;

function cli(mainJs: string, args: string[]): string {
  // stderr goes to the bench's own: on a terminal `gen` draws its progress line there (a
  // 1M-device file takes minutes), and a failure's reason is printed where it happens.
  const r = spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`s1mig ${args[0]} failed (exit ${r.status}; its reason is above)`);
  return r.stdout;
}

export function installationsFor(devices: number): number {
  return Math.max(1, Math.ceil(devices / DEVICES_PER_INSTALLATION));
}

interface Expected {
  readonly summary?: { readonly installations?: number; readonly devices?: number };
}

export interface DatasetOptions {
  /**
   * CreatedAt of the file instead of the fixed one, e.g. for the pipeline bench, whose
   * splitter rejects files older than 30 days (MCF_STALE); cached under its own name.
   */
  readonly createdAt?: string;
  /** Meters of one supplier only (gen --suppliers), so one MA authorises every installation; cached under its own name. */
  readonly supplier?: string;
  /** The file's SMSO (default MDS); cached under its own name. */
  readonly smso?: string;
}

/** Builds (or reuses) the cached reference dir and MCF for about `devices` devices. */
export function prepareDataset(cacheDir: string, mainJs: string, devices: number, log: (s: string) => void,
  options: DatasetOptions = {}): Dataset {
  mkdirSync(cacheDir, { recursive: true });
  const refDir = join(cacheDir, 'ref');
  // A cache from before alerts has no alert-signing certificate (the enrolment stage refuses to
  // start without it): a new reference, and the files signed under the old one go with it.
  if (existsSync(refDir) && !existsSync(join(refDir, 's1sp', 'alert-signing.cert.pem'))) {
    log(`replacing ${refDir} (it predates the alert-signing certificate) and the files generated with it`);
    rmSync(refDir, { recursive: true, force: true });
    for (const f of readdirSync(cacheDir)) if (f.startsWith('mcf-')) rmSync(join(cacheDir, f), { force: true });
  }
  if (!existsSync(join(refDir, 'eligible-product-combinations.json'))) {
    log(`creating reference directory ${refDir}`);
    cli(mainJs, ['ref', 'init', refDir]);
  }
  const installations = installationsFor(devices);
  const createdAt = options.createdAt ?? CREATED_AT;
  const stem = (options.createdAt === undefined ? `i${installations}` : `i${installations}-c${createdAt.replace(/[^0-9]/g, '')}`) +
    (options.supplier === undefined ? '' : `-s${options.supplier.replace(/[^0-9A-Fa-f]/g, '').toLowerCase()}`) +
    (options.smso === undefined || options.smso === 'MDS' ? '' : `-${options.smso.toLowerCase()}`);
  const file = join(cacheDir, `mcf-${stem}.xml`);
  if (!existsSync(file) || !existsSync(`${file}.expected.json`)) {
    log(`generating ${installations} installations (~${devices} devices) into ${file}; this is cached for later runs`);
    const tmp = join(cacheDir, `tmp-${stem}.xml`);
    const out = cli(mainJs, ['gen', '--ref', refDir, '--smso', options.smso ?? 'MDS', '--installations', String(installations),
      '--seed', SEED, '--created-at', createdAt, '--out', tmp, ...(options.supplier === undefined ? [] : ['--suppliers', options.supplier]),
      // Another SMSO's file names its own MA (the default reference is the same for every SMSO).
      ...(options.smso === undefined || options.smso === 'MDS' ? [] : ['--ma', `MA_BENCH_${options.smso}`])]);
    log(out.trim());
    // Renamed only when complete, so an interrupted generation is never mistaken for a cached file.
    for (const suffix of ['.expected.policy.json', '.expected.json']) {
      if (existsSync(`${tmp}${suffix}`)) renameSync(`${tmp}${suffix}`, `${file}${suffix}`);
    }
    renameSync(tmp, file);
  }
  const expected = JSON.parse(readFileSync(`${file}.expected.json`, 'utf8')) as Expected;
  return {
    refDir,
    file,
    bytes: statSync(file).size,
    installations: expected.summary?.installations ?? installations,
    devices: expected.summary?.devices ?? 0,
    seed: SEED,
  };
}
