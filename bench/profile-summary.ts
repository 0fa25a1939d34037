/**
 * Summary of V8 CPU profiles (`node --cpu-prof`, e.g. `npm run bench:pipeline -- --cpu-prof`):
 * self time by module group (kafkajs encoding, avsc, our splitter/validator/codecs, GC,
 * idle, ...) and the functions with the most self time.
 *
 *   npm run build && node dist/bench/profile-summary.js PATH [--all-threads] [--top N] [--devices N] [--base PATH] [--detail N] [--json]
 *
 * PATH is a .cpuprofile or a folder of them. A folder counts the main threads only
 * (`--cpu-prof` names them CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile; worker threads have
 * another thread id), summed over the processes in it, unless --all-threads. --devices
 * adds µs per device. --base PATH prints a second column set (a base build's profiles)
 * and the difference, for A/B runs. --detail N lists each group's N costliest functions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface Summary {
  readonly files: string[];
  /** Wall time covered by the profiles, µs (summed over processes). */
  readonly spanUs: number;
  readonly byGroup: Map<string, number>;
  readonly byFunction: Map<string, number>;
  /** The group of each function name in byFunction. */
  readonly groupOfFunction: Map<string, string>;
}

/**
 * Module groups, first match wins. The order puts the specific (kafkajs' protocol
 * encoders, our codecs) before the general (kafkajs, our pipeline). Why these: they are the
 * places a change of ours can move (issue 14): what kafkajs spends encoding requests, what
 * avsc and the registry client spend, and each of our stages.
 */
const GROUPS: ReadonlyArray<readonly [string, (fn: string, url: string) => boolean]> = [
  ['(idle)', (fn) => fn === '(idle)'],
  ['(garbage collector)', (fn) => fn === '(garbage collector)'],
  ['(program)', (fn) => fn === '(program)'],
  ['kafkajs: record batch / request encoding', (_, u) => /kafkajs\/src\/protocol\/(encoder|recordBatch|crc32C|requests\/produce|requests\/addOffsetsToTxn|requests\/txnOffsetCommit)/.test(u)],
  ['kafkajs: fetch decoding', (_, u) => /kafkajs\/src\/protocol\/(decoder|requests\/fetch|messageSet|message)/.test(u)],
  ['kafkajs: other protocol', (_, u) => u.includes('kafkajs/src/protocol/')],
  ['kafkajs: network', (_, u) => u.includes('kafkajs/src/network/')],
  ['kafkajs: producer', (_, u) => u.includes('kafkajs/src/producer/')],
  ['kafkajs: consumer', (_, u) => u.includes('kafkajs/src/consumer/')],
  ['kafkajs: other', (_, u) => u.includes('node_modules/kafkajs/')],
  ['avsc', (_, u) => u.includes('node_modules/avsc/')],
  ['registry client', (_, u) => u.includes('confluent-schema-registry/')],
  ['piscina (pool)', (_, u) => u.includes('node_modules/piscina/')],
  ['other node_modules', (_, u) => u.includes('node_modules/')],
  ['ours: codecs', (_, u) => /\/(src\/pipeline\/codecs|src\/adapters\/registry\/)/.test(u)],
  ['ours: adapters/kafka', (_, u) => u.includes('/src/adapters/kafka/')],
  ['ours: splitter', (_, u) => u.includes('/src/pipeline/splitter/')],
  ['ours: validator', (_, u) => u.includes('/src/pipeline/validator/')],
  ['ours: stage runtime', (_, u) => u.includes('/src/pipeline/runtime/')],
  ['ours: enrolment', (_, u) => /\/src\/(pipeline|core)\/enrolment\//.test(u)],
  ['ours: XML / MCF reader', (_, u) => /\/src\/core\/(xml|mcf)\//.test(u)],
  ['ours: spool, fs adapters', (_, u) => /\/src\/adapters\/fs\/|\/src\/core\/transfer\//.test(u)],
  ['ours: pool adapter', (_, u) => u.includes('/src/adapters/pool/')],
  ['ours: other', (_, u) => /\/(dist\/)?(src|bench)\//.test(u) && !u.startsWith('node:')],
  ['node: streams, buffers, net', (_, u) => /^node:internal\/(streams|buffer|net|stream_base|buffer_list)|^node:(buffer|net|stream)/.test(u)],
  ['node: other', (_, u) => u.startsWith('node:')],
  ['native / V8 builtins', (_, u) => u === ''],
];

export function groupOf(fn: string, url: string): string {
  for (const [name, test] of GROUPS) if (test(fn, url)) return name;
  return 'other';
}

const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, '');

/** Self time (µs) per node of one profile: each sample is charged the time to the next one. */
function selfTimes(p: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  return self;
}

export function summarise(paths: readonly string[]): Summary {
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const groupOfFunction = new Map<string, string>();
  let spanUs = 0;
  for (const path of paths) {
    const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    spanUs += p.endTime - p.startTime;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    for (const [id, us] of selfTimes(p)) {
      const cf = nodes.get(id)!.callFrame;
      const g = groupOf(cf.functionName, cf.url);
      byGroup.set(g, (byGroup.get(g) ?? 0) + us);
      const name = `${cf.functionName || '(anonymous)'} ${cf.url ? `${short(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      groupOfFunction.set(name, g);
    }
  }
  return { files: paths.map((p) => basename(p)), spanUs, byGroup, byFunction, groupOfFunction };
}

/** The profiles a path stands for: a file, or a folder's main-thread profiles (thread id 0). */
export function profilePaths(path: string, allThreads: boolean): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.cpuprofile'))
    .filter((f) => allThreads || /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .sort().map((f) => join(path, f));
}

const ms = (us: number): string => (us / 1000).toFixed(0).padStart(8);
const pct = (us: number, total: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %`;

function busy(s: Summary): number {
  let t = 0;
  for (const [g, us] of s.byGroup) if (g !== '(idle)') t += us;
  return t;
}

function render(s: Summary, top: number, devices: number | undefined, base: Summary | undefined, detail: number): string {
  const lines: string[] = [];
  const total = [...s.byGroup.values()].reduce((a, b) => a + b, 0);
  const perDev = (us: number): string => (devices ? `${(us / devices).toFixed(1).padStart(7)} µs/dev` : '');
  lines.push(`profiles: ${s.files.join(', ')}`);
  lines.push(`span ${ms(s.spanUs).trim()} ms, sampled ${ms(total).trim()} ms, busy (not idle) ${ms(busy(s)).trim()} ms${devices ? ` = ${(busy(s) / devices).toFixed(1)} µs per device` : ''}`);
  if (base) lines.push(`base: ${base.files.join(', ')}; busy ${ms(busy(base)).trim()} ms${devices ? ` = ${(busy(base) / devices).toFixed(1)} µs per device` : ''}`);
  lines.push('', 'self time by group'.padEnd(44) + '      ms   share' + (devices ? '     per device' : '') + (base ? '   base ms   delta ms' : ''));
  const groups = new Set([...s.byGroup.keys(), ...(base?.byGroup.keys() ?? [])]);
  for (const g of [...groups].sort((a, b) => (s.byGroup.get(b) ?? 0) - (s.byGroup.get(a) ?? 0))) {
    const us = s.byGroup.get(g) ?? 0;
    const b = base?.byGroup.get(g) ?? 0;
    lines.push(`${g.padEnd(44)}${ms(us)} ${pct(us, total)} ${perDev(us)}${base ? `  ${ms(b)}  ${ms(us - b)}` : ''}`);
    if (detail === 0 || g.startsWith('(')) continue;
    const inGroup = [...s.byFunction].filter(([f]) => s.groupOfFunction.get(f) === g).sort((x, y) => y[1] - x[1]).slice(0, detail);
    for (const [f, fus] of inGroup) lines.push(`      ${ms(fus)}  ${f}`);
  }
  lines.push('', `top ${top} functions by self time`);
  for (const [f, us] of [...s.byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const b = base?.byFunction.get(f);
    lines.push(`${ms(us)} ${pct(us, total)}  ${f}${b !== undefined ? `  (base ${ms(b).trim()})` : ''}`);
  }
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'all-threads': { type: 'boolean' }, top: { type: 'string' }, devices: { type: 'string' }, base: { type: 'string' }, json: { type: 'boolean' },
      detail: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: node dist/bench/profile-summary.js PATH [--all-threads] [--top N] [--devices N] [--base PATH] [--detail N] [--json]\n');
    process.exit(2);
  }
  const all = values['all-threads'] ?? false;
  const paths = profilePaths(positionals[0]!, all);
  if (paths.length === 0) {
    process.stderr.write(`no main-thread .cpuprofile in ${positionals[0]} (--all-threads for every thread)\n`);
    process.exit(1);
  }
  const s = summarise(paths);
  const base = values.base === undefined ? undefined : summarise(profilePaths(values.base, all));
  const devices = values.devices === undefined ? undefined : Number(values.devices);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ files: s.files, spanUs: s.spanUs, byGroupUs: Object.fromEntries(s.byGroup),
      topFunctionsUs: Object.fromEntries([...s.byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top ?? 40))) }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${render(s, Number(values.top ?? 25), devices, base, Number(values.detail ?? 0))}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
