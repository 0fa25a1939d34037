/**
 * Issue 12, "Reports an operator can trust": `report` says where a file is (uploading with
 * chunks missing, uploading complete but not decided, complete), lists every upload of its
 * key (the accepted one and a rejected re-submission), and `--wait` blocks until the file
 * is done, with exit 4 while it is not. On the real broker, with a real processor.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { chunkHeaders } from '../../src/core/transfer/chunk-headers.js';
import { describeMcf } from '../../src/jobs/publish/publish-file.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import { pipelineWorld } from './pipeline-setup.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Shown {
  status: string | null;
  fileKey: string;
  state: string;
  progress: { done: number; total: number; detail: string };
  uploads: Array<{ upload: string; status: string; codes: string[] }>;
  summary?: Record<string, number>;
}

describe('s1mig report: states, uploads and --wait', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix });
  const report = (...args: string[]) => spawnSync(process.execPath, [cli, 'report', ...args], { encoding: 'utf8', env: env(), timeout: 120_000 });
  const shown = (r: { stdout: string }): Shown => JSON.parse(r.stdout) as Shown;

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2 });
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  /** Sends chunks `indexes` of a file cut into `count` pieces, as `publish` would. */
  async function sendChunks(file: string, count: number, indexes: number[]): Promise<string> {
    const bytes = readFileSync(file);
    const { fileKey, sha256 } = await describeMcf(file);
    const size = Math.ceil(bytes.length / count);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const index of indexes) {
        await producer.send({ topic: topicName(world.plan, 'mcf.chunks'), messages: [{
          key: fileKey!, value: bytes.subarray(index * size, (index + 1) * size), headers: chunkHeaders({ index, count, sha256 }) }] });
      }
    } finally {
      await producer.disconnect();
    }
    return fileKey!;
  }

  it('follows a file from its first chunk to complete, and lists a rejected re-submission beside the accepted upload', async () => {
    const g = await world.gen('states-a', { installations: 30 });
    // Two of four chunks: an upload waiting for chunks, which no processor has seen yet.
    const key = await sendChunks(g.out, 4, [0, 1]);
    const partial = report(key, '--json');
    expect(partial.status, partial.stderr).toBe(4);
    expect(shown(partial)).toMatchObject({ status: null, fileKey: key, state: 'uploading', progress: { done: 2, total: 4 }, uploads: [] });
    expect(shown(partial).progress.detail).toMatch(/waiting for chunks/);
    // The text form says the same in one line; a bare FileID cannot find an undecided upload.
    expect(report(key).stdout).toMatch(/uploading: 2 of 4 chunks received \(waiting for chunks\)/);
    expect(report('states-a').status).toBe(1);

    // --wait blocks through the rest of the upload and the processing, then exits 0.
    const waiting = spawn(process.execPath, [cli, 'report', key, '--wait', '--json', '--timeout', '180'], { env: env() });
    let waitedOut = '';
    let waitedErr = '';
    waiting.stdout.on('data', (d: Buffer) => (waitedOut += d.toString()));
    waiting.stderr.on('data', (d: Buffer) => (waitedErr += d.toString()));
    const waited = new Promise<number | null>((resolve) => waiting.on('exit', resolve));
    await sendChunks(g.out, 4, [2, 3]);
    const whole = report(key, '--json');
    expect(whole.status).toBe(4);
    expect(shown(whole)).toMatchObject({ state: 'uploading', progress: { done: 4, total: 4 } });
    processor = await startProcessor(world.config, { stages: ['splitter', 'validator'], refDir: world.refDir, metricsPort: 0, threads: 1 }, createLogger({ level: 'warn' }));
    expect(await waited, waitedErr).toBe(0);
    const done = JSON.parse(waitedOut) as Shown;
    expect(done).toMatchObject({ status: 'accepted', state: 'complete', progress: { done: 30, total: 30 } });
    expect(done.summary?.['installations']).toBe(30);
    expect(done.uploads.map((u) => u.status)).toEqual(['accepted']);

    // The same file again: MCF_DUPLICATE_FILE for the new upload; the file stays complete.
    await sendChunks(g.out, 2, [0, 1]);
    let again = shown(report(key, '--json'));
    for (let i = 0; i < 60 && again.uploads.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      again = shown(report(key, '--json'));
    }
    expect(again.state).toBe('complete');
    expect(again.uploads.map((u) => [u.status, u.codes])).toEqual([['accepted', []], ['rejected', ['MCF_DUPLICATE_FILE']]]);
    const text = report('states-a');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^[0-9a-f]{16}\/states-a: complete: 30 installations\n {2}upload \d+:\d+ .* accepted\n {2}upload \d+:\d+ .* rejected {2}MCF_DUPLICATE_FILE\n/);
  }, 300_000);

  it('gives up a --wait at its timeout with exit 4, and refuses --until without --wait', async () => {
    const g = await world.gen('states-b', { installations: 3 });
    const key = await sendChunks(g.out, 3, [0]);
    const r = report(key, '--wait', '--timeout', '3');
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/still in progress \(uploading: 1 of 3 chunks received \(waiting for chunks\)\) after 3 s/);
    expect(report(key, '--until', 'validated').status).toBe(2);
  });
});
