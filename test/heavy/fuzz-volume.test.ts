/**
 * Issue 13, "hostile input", the volume runs (heavy tier, `npm run test:heavy`; the corpus
 * of shapes that mattered is test/unit/fuzz/corpus/, the fast pipeline variant
 * test/integration/hostile-input.test.ts).
 *
 * 1. Offline validate: 10,000 fast-check mutations through validateFile in-process, each
 *    within a time bound, with the process's memory sampled all along and its heap checked
 *    after a GC at the end. Every report is well-formed from the catalogue's codes; a sample
 *    is read again in 3- and 61-byte slices and must be the same byte for byte. Two
 *    properties with known answers ride along: a bit flip anywhere outside the Signature's
 *    text and after-root whitespace of an accepted file always rejects it, and a file cut
 *    anywhere before its root end tag is exactly MCF_MALFORMED.
 * 2. The pipeline's input topic: mutated files (unique FileIDs) published as chunks with a
 *    random chunk size and one transfer fault or none, to a running processor (`s1mig run`,
 *    all stages, a real child process), beside the fixed malformed-chunk cases and
 *    generated garbage on the chunks, device events and enrolment lanes. Each file must get
 *    what an independent model of step 0 and its offline report say (the installation
 *    outcomes of accepted ones equal to the offline report's); each garbage record one dead
 *    letter of its stage (read back read_committed); orphan chunks counted; the processor
 *    never exits, its RSS stays bounded, and a good file after everything is validated.
 *
 * FUZZ_SEED fixes fast-check's seed (printed on each run) to replay a run; FUZZ_SCALE (default
 * 1) scales every count, for a quick try.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { createInThreadChecker } from '../../src/core/device-crypto/index.js';
import { McfReader } from '../../src/core/mcf/reader.js';
import { parseHeader } from '../../src/core/mcf/header.js';
import { loadReference, type Reference } from '../../src/core/reference/index.js';
import type { DeviceCryptoChecker } from '../../src/core/contracts/device-crypto.js';
import { JsonReportSink } from '../../src/cli/render/json-report.js';
import { stringOutput } from '../../src/cli/render/output.js';
import { describeMcf } from '../../src/jobs/publish/publish-file.js';
import { DEFAULT_POLICY, validateFile } from '../../src/jobs/validate/validate-file.js';
import type { FileResultRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { collect } from '../integration/helpers.js';
import { deadLetters, malformedChunkCases, metricsUrl, metricSum, missingVerdicts } from '../integration/hostile-input.js';
import { pipelineWorld } from '../integration/pipeline-setup.js';
import { decodeAll, ProcessorRunner, type World } from '../integration/processor-runner.js';
import { applyPlan, planArb } from '../unit/fuzz/arbitraries.js';
import { REF, SIGNER_KEY_PATH, VECTORS } from '../unit/fuzz/corpus-shapes.js';
import { resign } from '../unit/fuzz/mutations.js';
import { checkReport, type Report } from '../unit/fuzz/report-invariants.js';
import { chunkRun, pipelineFileCodes, transferArb, transferModel } from './fuzz-pipeline.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const scaled = (n: number): number => Math.max(1, Math.round(n * SCALE));
const OFFLINE = { general: scaled(8_000), flips: scaled(1_000), cuts: scaled(1_000) };
/** Mutated files through the pipeline: ~3 minutes on the 2-vCPU machine. */
const PIPELINE_FILES = scaled(2_000);
const GARBAGE_PER_TOPIC = scaled(100);
const CASE_LIMIT_MS = 5_000;
const OFFLINE_RSS_LIMIT = 600 * 2 ** 20;
const PROCESSOR_RSS_LIMIT = 800 * 2 ** 20;

const dir = mkdtempSync(join(tmpdir(), 's1mig-fuzz-volume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CORPUS = new URL('../unit/fuzz/corpus/', import.meta.url).pathname;

/** validate --json of `bytes` in-process, within the case's time bound. */
async function validateBytes(bytes: Buffer, ref: Reference, checker: DeviceCryptoChecker, sliceBytes?: number): Promise<{ text: string; report: Report }> {
  const path = join(dir, 'case.xml');
  writeFileSync(path, bytes);
  const out = stringOutput();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`a case took over ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS); });
  try {
    await Promise.race([validateFile(path, ref, checker, { ...DEFAULT_POLICY }, new JsonReportSink(out), sliceBytes === undefined ? {} : { sliceBytes }), limit]);
  } finally {
    clearTimeout(timer);
  }
  const text = out.text();
  return { text, report: JSON.parse(text) as Report };
}

function rssSampler(pid?: number): { peak: () => number; stop: () => void } {
  let peak = 0;
  const read = (): number => {
    if (pid === undefined) return process.memoryUsage().rss;
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  const timer = setInterval(() => { peak = Math.max(peak, read()); }, 100);
  return { peak: () => Math.max(peak, read()), stop: () => clearInterval(timer) };
}

describe(`hostile input, volume (fast-check seed ${SEED})`, () => {
  it(`offline validate: ${OFFLINE.general + OFFLINE.flips + OFFLINE.cuts} mutations, each coded, bounded in time and memory`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const ref = loadReference(REF);
    const checker = createInThreadChecker(REF);
    const key = readFileSync(SIGNER_KEY_PATH, 'utf8');
    // Seeds: the vectors, and the corpus shapes that are accepted (mutating a file already malformed reaches little).
    const candidates = [...readdirSync(VECTORS).filter((f) => f.endsWith('.xml')).map((f) => readFileSync(join(VECTORS, f))),
      ...readdirSync(CORPUS).filter((f) => f.endsWith('.xml')).map((f) => readFileSync(join(CORPUS, f)))];
    const seeds: Buffer[] = [];
    // The accepted seeds, with where their Signature text is and where their root ends.
    const accepted: Array<{ bytes: Buffer; sigText: [number, number]; rootEnd: number }> = [];
    for (const [i, bytes] of candidates.entries()) {
      const ok = (await validateBytes(bytes, ref, checker)).report.status === 'accepted';
      if (ok || i < 4) seeds.push(bytes);
      if (!ok) continue;
      const open = bytes.indexOf('Signature>', bytes.lastIndexOf('<Signature') === -1 ? bytes.lastIndexOf(':Signature') : bytes.lastIndexOf('<Signature')) + 'Signature>'.length;
      accepted.push({ bytes, sigText: [open, bytes.indexOf('</', open)], rootEnd: bytes.lastIndexOf('>') + 1 });
    }
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    const tally = { accepted: 0, rejected: 0, sliced: 0, maxMs: 0, codes: new Map<string, number>() };
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const rss = rssSampler();
    const t0 = Date.now();
    try {
      await fc.assert(fc.asyncProperty(planArb(seeds.length), fc.nat(), async (plan, sample) => {
        const bytes = applyPlan(seeds[plan.seed]!, plan, key);
        const t = performance.now();
        const { text, report } = await validateBytes(bytes, ref, checker);
        tally.maxMs = Math.max(tally.maxMs, performance.now() - t);
        checkReport(report);
        tally[report.status as 'accepted' | 'rejected']++;
        for (const c of [...report.errors, ...report.installations.flatMap((i) => [...i.errors, ...i.devices.flatMap((d) => d.errors)])]) tally.codes.set(c.code, (tally.codes.get(c.code) ?? 0) + 1);
        // One case in eight read again in small slices (chunk boundaries everywhere): the same report.
        if (sample % 8 === 0 && bytes.length <= 64 * 1024) {
          tally.sliced++;
          expect((await validateBytes(bytes, ref, checker, sample % 16 === 0 ? 3 : 61)).text).toBe(text);
        }
      }), { numRuns: OFFLINE.general, seed: SEED });

      // Known answer: a bit flipped outside the Signature text (and after-root whitespace) rejects an accepted file.
      await fc.assert(fc.asyncProperty(fc.nat({ max: accepted.length - 1 }), fc.nat(), fc.nat({ max: 7 }), async (s, at, bit) => {
        const { bytes, sigText, rootEnd } = accepted[s]!;
        const outside = rootEnd - (sigText[1] - sigText[0]);
        let i = at % outside;
        if (i >= sigText[0]) i += sigText[1] - sigText[0];
        const flipped = Buffer.from(bytes);
        flipped[i] = flipped[i]! ^ (1 << bit);
        const { report } = await validateBytes(flipped, ref, checker);
        checkReport(report);
        expect(report.status, `byte ${i} bit ${bit}`).toBe('rejected');
      }), { numRuns: OFFLINE.flips, seed: SEED + 1 });

      // Known answer: cut anywhere before the end of its root end tag, a file is exactly MCF_MALFORMED.
      await fc.assert(fc.asyncProperty(fc.nat({ max: accepted.length - 1 }), fc.nat(), async (s, at) => {
        const { bytes, rootEnd } = accepted[s]!;
        const { report } = await validateBytes(bytes.subarray(0, at % rootEnd), ref, checker);
        checkReport(report);
        expect(report.errors.map((e) => e.code), `cut at ${at % rootEnd}`).toEqual(['MCF_MALFORMED']);
      }), { numRuns: OFFLINE.cuts, seed: SEED + 2 });
    } finally {
      rss.stop();
      await checker.close();
    }
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const seconds = (Date.now() - t0) / 1000;
    process.stderr.write(`fuzz-volume offline: ${OFFLINE.general + OFFLINE.flips + OFFLINE.cuts} cases in ${seconds.toFixed(0)} s; general: ${tally.accepted} accepted, ` +
      `${tally.rejected} rejected, ${tally.sliced} re-read in slices; slowest case ${tally.maxMs.toFixed(0)} ms; peak RSS ${(rss.peak() / 2 ** 20).toFixed(0)} MiB; ` +
      `heap growth after GC ${(heapGrowth / 2 ** 20).toFixed(1)} MiB; codes ${JSON.stringify(Object.fromEntries([...tally.codes].sort()))}\n`);
    expect(tally.accepted).toBeGreaterThan(OFFLINE.general / 20);
    expect(tally.rejected).toBeGreaterThan(OFFLINE.general / 4);
    // 23 codes can occur offline under the default policy (not INST_SPLIT_SUPPLY, nor the pipeline's).
    expect(tally.codes.size).toBeGreaterThanOrEqual(SCALE >= 1 ? 20 : 12);
    expect(rss.peak()).toBeLessThan(OFFLINE_RSS_LIMIT);
    expect(heapGrowth).toBeLessThan(32 * 2 ** 20);
  }, 3_600_000);

  describe('the pipeline input topic', () => {
    let world: World;
    let runner: ProcessorRunner;
    afterAll(async () => {
      runner?.killAll();
      await world?.res.close();
    });

    it(`${PIPELINE_FILES} mutated files as chunks with transfer faults, malformed chunks and garbage: each its verdict, the processor goes on`, async () => {
      world = await pipelineWorld({ 'mcf.chunks': 3, 'mcf.device-events': 4, 'mcf.installation-outcomes': 2 });
      runner = new ProcessorRunner(world);
      onTestFailed(() => runner.saveLogs('fuzz-volume'));
      const key = readFileSync(join(world.refDir, 'smso', 'MDS', 'file-signer.key.pem'), 'utf8');
      const ref = loadReference(world.refDir);
      const checker = createInThreadChecker(world.refDir);
      const bases = await Promise.all([1, 2, 3].map((n) => world.gen(`fz-base-${n}`, { installations: n })));
      const baseBytes = bases.map((g) => readFileSync(g.out));
      const files = await collect(world.res, topicName(world.plan, 'mcf.files'));
      const dlq = await collect(world.res, topicName(world.plan, 'dlq'));
      const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
      const proc = runner.start({ S1MIG_TRANSFER_TIMEOUT_MS: '15000' });
      for (const deadline = Date.now() + 60_000; !proc.log().includes('processor started');) {
        if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`the processor did not start:\n${proc.log()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const rss = rssSampler(proc.child.pid);
      const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      world.res.onClose(() => producer.disconnect());
      // In sends of at most ~256 KiB: kafkajs puts one send's records for a partition in one batch, which the broker caps.
      const send = async (topic: string, messages: Parameters<typeof producer.send>[0]['messages']): Promise<void> => {
        for (let i = 0, bytes = 0, from = 0; i <= messages.length; i++) {
          if (i === messages.length || (bytes > 0 && bytes + (messages[i]!.value?.length ?? 0) > 256 * 1024)) {
            if (i > from) await producer.send({ topic: topicName(world.plan, topic), messages: messages.slice(from, i) });
            from = i;
            bytes = 0;
          }
          if (i < messages.length) bytes += (messages[i]!.value?.length ?? 0) + 128;
        }
      };

      // Each case: the mutated file, the key it goes under, the transfer, what must come of it.
      /** verdicts: per upload, its codes ([] accepted), and whether it completed (so the file's own verdict). */
      interface Expect { key: string; verdicts: Array<{ codes: string[]; complete: boolean }>; unsure: string[]; offline: Report | null; deadLetters: number; orphans: number }
      const expects: Expect[] = [];
      const cases = fc.sample(fc.tuple(planArb(baseBytes.length), transferArb), { numRuns: PIPELINE_FILES, seed: SEED + 3 });
      const t0 = Date.now();
      for (const [n, [plan, transfer]] of cases.entries()) {
        const base = resign(Buffer.from(baseBytes[plan.seed]!.toString('latin1').replace(/<FileID>[^<]*</, `<FileID>FZ-${n}<`), 'latin1'), key);
        const bytes = applyPlan(base, plan, key);
        const path = join(dir, `p-${n}.xml`);
        writeFileSync(path, bytes);
        // A key of its own: a mutated FileID can be another case's (then the file is MCF_KEY_MISMATCH under this one).
        const described = (await describeMcf(path)).fileKey;
        const fileKey = described !== null && !expects.some((e) => e.key === described) ? described : `fuzz/FZ-${n}`;
        const { report: offline } = await validateBytes(bytes, ref, checker);
        const r = new McfReader();
        r.write(bytes);
        const h = r.end().header;
        const parsed = h === null ? null : parseHeader(h);
        const { messages, sent } = chunkRun(fileKey, bytes, transfer);
        const model = transferModel(sent);
        const own = pipelineFileCodes(offline, parsed === null || typeof parsed === 'string' ? null : parsed.createdAtSec, fileKey, Math.floor(Date.now() / 1000));
        let acceptedOnce = false;
        const verdicts = model.uploads.map((u) => {
          if (u !== 'complete') return { codes: [u], complete: false };
          if (acceptedOnce) return { codes: ['MCF_DUPLICATE_FILE'], complete: false };
          acceptedOnce = own.codes.length === 0;
          return { codes: own.codes, complete: true };
        });
        expects.push({ key: fileKey, verdicts, unsure: own.unsure, offline, deadLetters: model.deadLetters, orphans: model.orphans });
        await send('mcf.chunks', messages);
      }
      const fixed = malformedChunkCases('fz-fixed', baseBytes[0]!);
      for (const c of fixed) await send(c.topic, c.messages);
      // Generated garbage: bytes, registry-framed bytes of an unknown schema, a chunk with random headers.
      const garbage = fc.sample(fc.tuple(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), fc.dictionary(fc.string({ maxLength: 24 }), fc.string({ maxLength: 80 }), { maxKeys: 6 })),
        { numRuns: GARBAGE_PER_TOPIC, seed: SEED + 4 });
      for (const [n, [bytes, framed, headers]] of garbage.entries()) {
        const value = framed ? Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, n % 200]), bytes]) : Buffer.from(bytes);
        await send('mcf.device-events', [{ key: `garbage-${n}`, value }]);
        await send('enrolment.lanes', [{ key: `garbage-${n}`, value: framed ? value : Buffer.concat([Buffer.from([1]), bytes]) }]);
        await send('mcf.chunks', [{ key: `garbage-${n}`, value, headers }]);
      }
      const good = await world.gen('fz-good-after', { installations: 4 });
      const goodKey = await world.publish(good.out);
      const sentSec = (Date.now() - t0) / 1000;

      const want = {
        deadLetters: expects.reduce((s, e) => s + e.deadLetters, 0) + fixed.filter((c) => c.verdicts.some((v) => 'dlq' in v)).length + 3 * GARBAGE_PER_TOPIC,
        orphans: expects.reduce((s, e) => s + e.orphans, 0) + 2,
      };
      const results = async (): Promise<FileResultRecord[]> => decodeAll<FileResultRecord>(world, [...files.messages]);
      const verdictsOf = (rs: readonly FileResultRecord[], k: string): string[] => {
        const byUpload = new Map<string, FileResultRecord>();
        for (const x of rs) if (x.fileKey === k && (x.status === 'rejected' || x.emissionComplete)) byUpload.set(x.upload, x);
        return [...byUpload.values()].map((x) => (x.status === 'accepted' ? 'accepted' : x.errors.map((e) => e.code).join(','))).sort();
      };
      const expected = (e: Expect): string[][] => {
        const text = (codes: string[]): string => (codes.length === 0 ? 'accepted' : codes.join(','));
        const base = e.verdicts.map((v) => text(v.codes)).sort();
        // Receipt near a MCF_STALE edge: either answer for the file's own verdict.
        if (e.unsure.length === 0) return [base];
        const stale = (codes: string[]): string[] => [...codes.filter((c) => c !== 'MCF_NOT_AUTHORISED'), 'MCF_STALE', ...codes.filter((c) => c === 'MCF_NOT_AUTHORISED')];
        return [base, e.verdicts.map((v) => text(v.complete ? stale(v.codes) : v.codes)).sort()];
      };
      let problems: string[] = [];
      for (const deadline = Date.now() + 600_000; ;) {
        const rs = await results();
        problems = [
          ...expects.flatMap((e) => (expected(e).some((x) => JSON.stringify(x) === JSON.stringify(verdictsOf(rs, e.key))) ? [] : [`${e.key}: ${JSON.stringify(verdictsOf(rs, e.key))}, want ${JSON.stringify(expected(e))}`])),
          ...missingVerdicts(world, fixed, deadLetters(dlq.messages), rs),
          ...(verdictsOf(rs, goodKey).includes('accepted') ? [] : ['the good file after all of it: not accepted yet']),
        ];
        if (problems.length === 0 || Date.now() > deadline || proc.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      expect(problems.slice(0, 20)).toEqual([]);
      expect(proc.child.exitCode).toBeNull();

      // Accepted files: every installation outcome as the offline report has it.
      const acceptedFiles = expects.filter((e) => e.verdicts.some((v) => v.codes.length === 0));
      const installations = acceptedFiles.reduce((s, e) => s + e.offline!.installations.length, 0) + 4;
      await outcomes.until((ms) => ms.length >= installations, 300_000);
      await new Promise((r) => setTimeout(r, 3000));
      const got = await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages]);
      expect(got.length).toBe(installations);
      for (const e of acceptedFiles) {
        const mine = got.filter((o) => o.fileKey === e.key).sort((a, b) => a.installationIndex - b.installationIndex);
        const strip = (is: Array<{ installationId: string; status: string; errors: Array<{ code: string }>; devices: Array<{ deviceId: string | null; status: string; errors: Array<{ code: string }> }> }>) =>
          is.map((i) => ({ id: i.installationId, status: i.status, errors: i.errors.map((x) => x.code), devices: i.devices.length > 32 ? [] : i.devices.map((d) => [d.deviceId, d.status, d.errors.map((x) => x.code)]) }));
        expect(strip(mine), e.key).toEqual(strip(e.offline!.installations));
      }
      expect(got.filter((o) => o.fileKey === goodKey).map((o) => o.status).sort()).toEqual(
        (JSON.parse(readFileSync(good.expectedPath, 'utf8')) as { installations: Array<{ status: string }> }).installations.map((i) => i.status).sort());

      // Dead letters: exactly the ones due, read_committed; orphans counted; the processor up all along.
      await dlq.until((ms) => ms.length >= want.deadLetters, 120_000);
      await new Promise((r) => setTimeout(r, 3000));
      const letters = deadLetters(dlq.messages);
      const byStage = (s: string): number => letters.filter((l) => l.stage === s).length;
      expect({ total: letters.length, validator: byStage('validator'), enrolment: byStage('enrolment') })
        .toEqual({ total: want.deadLetters, validator: GARBAGE_PER_TOPIC, enrolment: GARBAGE_PER_TOPIC });
      const metrics = await (await fetch(metricsUrl(proc.log())!)).text();
      // At least: a batch the runtime replays (a retriable broker error) counts its orphans again (metrics are not transactional).
      expect(metricSum(metrics, 's1mig_orphan_chunks_total')).toBeGreaterThanOrEqual(want.orphans);
      expect(proc.child.exitCode).toBeNull();
      rss.stop();
      process.stderr.write(`fuzz-volume pipeline: ${PIPELINE_FILES} mutated files (${acceptedFiles.length} accepted, ${installations} installation outcomes), ` +
        `${fixed.length} fixed malformed-chunk cases, ${3 * GARBAGE_PER_TOPIC} garbage records; sent in ${sentSec.toFixed(0)} s, all verdicts in ${((Date.now() - t0) / 1000).toFixed(0)} s; ` +
        `${letters.length} dead letters, ${want.orphans} orphan chunks; processor peak RSS ${(rss.peak() / 2 ** 20).toFixed(0)} MiB\n`);
      expect(rss.peak()).toBeLessThan(PROCESSOR_RSS_LIMIT);
      await checker.close();
    }, 3_600_000);
  });
});
