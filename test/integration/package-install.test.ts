/**
 * Issue 12, "Installable" and "A library": the package as a user gets it. `npm pack` of
 * this build, `npm install -g` of the tarball into a temporary prefix, then the installed
 * `s1mig` (its help, version, offline validation from a file and from stdin, the topic plan
 * read from the packed files) and the library imported by package name from a consumer
 * beside the install (validateMcf from a path and a stream, the error codes, publishMcf to
 * the real broker, the type declarations compiled by tsc, deep imports refused).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { readAll } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('the packed and installed s1mig', () => {
  const dir = mkdtempSync(join(tmpdir(), 's1mig-pack-'));
  const prefix = join(dir, 'prefix');
  const lib = join(prefix, 'lib');
  const bin = join(prefix, 'bin', 's1mig');
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  const cli = (args: string[], input?: string): SpawnSyncReturns<string> =>
    spawnSync(bin, args, { encoding: 'utf8', cwd: dir, timeout: 120_000, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    world = await pipelineWorld();
    // The build is the one `npm test` just made; `prepare` would only build it again.
    const packed = JSON.parse(ok(spawnSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }), 'npm pack')) as Array<{ filename: string; files: Array<{ path: string }> }>;
    expect(packed).toHaveLength(1);
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/src/cli/main.js');
    expect(files).toContain('dist/src/api/index.d.ts');
    expect(files).toContain('topics/topics.json');
    expect(files.filter((f) => /^(test|bench|src|scripts)\/|\.map$|^dist\/bench\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    // Dependencies come from the npm cache that `npm ci` filled (the same pinned versions).
    ok(spawnSync(npm, ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed[0]!.filename)], { cwd: dir, encoding: 'utf8', timeout: 300_000 }), 'npm install -g');
  }, 420_000);
  afterAll(async () => {
    await world?.res.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as a command: help, version, the packed topic plan, validation of a file and of stdin', () => {
    expect(ok(cli(['--help']), 'help')).toMatch(/^usage: s1mig <command>/m);
    expect(ok(cli(['--version']), 'version')).toBe(`s1mig ${pkg.version}\n`);
    expect(ok(cli(['topics', 'export', '--format', 'strimzi']), 'topics export')).toMatch(/kind: "?KafkaTopic/);
    ok(cli(['ref', 'init', 'ref']), 'ref init');
    ok(cli(['gen', '--ref', 'ref', '--smso', 'MDS', '--installations', '12', '--out', 'f.xml', '--defects', 'DEV_CERT_EXPIRED:2']), 'gen');
    const fromFile = cli(['validate', 'f.xml', '--ref', 'ref', '--json']);
    expect(fromFile.status).toBe(0);
    const fromStdin = cli(['validate', '-', '--ref', 'ref', '--json'], readFileSync(join(dir, 'f.xml'), 'latin1'));
    expect(fromStdin.status, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(JSON.parse(fromFile.stdout).summary.devicesInvalid).toBe(2);
  });

  it('is a library: validateMcf from a path and a stream gives the report of validate --json, with coded errors', () => {
    writeFileSync(join(lib, 'consumer.mjs'), `
import { createReadStream } from 'node:fs';
import { validateMcf, errorCode, isRetriable, FILE_CODES, DEVICE_CODES } from 's1mig';
const [file, ref] = process.argv.slice(2);
const fromPath = await validateMcf(file, { ref });
const fromStream = await validateMcf(createReadStream(file), { ref, checker: 'in-thread' });
const streamed = [];
const noList = await validateMcf(file, { ref, onInstallation: (i) => void streamed.push(i.installationId) });
let refusal = null;
try { await validateMcf(file, { ref: ref + '-missing' }); } catch (err) { refusal = { code: errorCode(err), retriable: isRetriable(err) }; }
let deep = null;
try { await import('s1mig/dist/src/cli/main.js'); } catch (err) { deep = err.code; }
process.stdout.write(JSON.stringify({ fromPath, same: JSON.stringify(fromPath) === JSON.stringify(fromStream),
  streamed, listed: noList.installations.length, refusal, deep, codes: FILE_CODES.length + DEVICE_CODES.length }));
`);
    const r = spawnSync(process.execPath, [join(lib, 'consumer.mjs'), join(dir, 'f.xml'), join(dir, 'ref')], { cwd: lib, encoding: 'utf8' });
    const got = JSON.parse(ok(r, 'consumer')) as Record<string, unknown> & { fromPath: { installations: Array<{ installationId: string }> } };
    const cliReport = JSON.parse(cli(['validate', 'f.xml', '--ref', 'ref', '--json']).stdout) as unknown;
    expect(got.fromPath).toEqual(cliReport);
    expect(got['same']).toBe(true);
    expect(got['streamed']).toEqual(got.fromPath.installations.map((i) => i.installationId));
    expect(got['listed']).toBe(0);
    expect(got['refusal']).toEqual({ code: 'REF_INVALID', retriable: false });
    expect(got['deep']).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(got['codes']).toBeGreaterThan(20);
  });

  it('carries type declarations a TypeScript consumer compiles against', () => {
    writeFileSync(join(lib, 'typed.ts'), `
import { validateMcf, publishMcf, type ValidationReport, type InstallationResult, type InternalCode, type OutcomeCode } from 's1mig';
export async function check(file: string): Promise<string> {
  const report: ValidationReport = await validateMcf(file, { ref: '/ref', policy: { partial: 'deny' } });
  const first: InstallationResult | undefined = report.installations[0];
  const code: OutcomeCode | InternalCode = 'MCF_STALE';
  const published = await publishMcf(file, { chunkSize: 65536 });
  return \`\${report.status} \${first?.status ?? ''} \${code} \${published.fileKey}\`;
}
// @ts-expect-error a wrong option type is a compile error
void validateMcf('x', { ref: 1 });
`);
    writeFileSync(join(lib, 'tsconfig.json'), JSON.stringify({ compilerOptions: {
      module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false,
      types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] }, files: ['typed.ts'] }));
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', lib], { cwd: lib, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('publishes through the library to the real broker, chunk by chunk under the file key', async () => {
    writeFileSync(join(lib, 'publisher.mjs'), `
import { createReadStream } from 'node:fs';
import { publishMcf } from 's1mig';
const r = await publishMcf(createReadStream(process.argv[2]), { chunkSize: 4096 });
process.stdout.write(JSON.stringify(r));
`);
    const env = { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix };
    const r = spawnSync(process.execPath, [join(lib, 'publisher.mjs'), join(dir, 'f.xml')], { cwd: lib, encoding: 'utf8', env, timeout: 120_000 });
    const result = JSON.parse(ok(r, 'publisher')) as { fileKey: string; chunks: number; bytes: number };
    expect(result.bytes).toBe(readFileSync(join(dir, 'f.xml')).length);
    expect(result.chunks).toBe(Math.ceil(result.bytes / 4096));
    const got = await readAll(world.res, topicName(world.plan, 'mcf.chunks'), { expected: result.chunks });
    expect(got.map((m) => m.key?.toString())).toEqual(Array(result.chunks).fill(result.fileKey));
    expect(Buffer.concat(got.map((m) => m.value!))).toEqual(readFileSync(join(dir, 'f.xml')));

    const unreachable = spawnSync(process.execPath, [join(lib, 'publisher.mjs'), join(dir, 'f.xml')], {
      cwd: lib, encoding: 'utf8', env: { ...env, S1MIG_KAFKA_BROKERS: '127.0.0.1:1' }, timeout: 60_000 });
    expect(unreachable.status).not.toBe(0);
    expect(unreachable.stderr).toMatch(/KAFKA_UNAVAILABLE|cannot be reached|no broker/i);
  });
});
