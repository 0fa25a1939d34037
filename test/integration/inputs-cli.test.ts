import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { readAll } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'src', 'cli', 'main.js');

describe('s1mig ma and s1mig suppliers on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix },
  });
  beforeAll(async () => {
    world = await pipelineWorld();
  });
  afterAll(async () => {
    await world?.res.close();
  });

  it('publishes an MA file, shows it, refuses a bad file whole with every bad line, and withdraws an MA', async () => {
    const good = join(world.dir, 'ma.csv');
    writeFileSync(good, '# MAs for December\nreference,supplier,smso,migrationDate,requested,committed\nMA-1,90-B3-D5-1F-30-01-00-00,MDS,2026-12-01,500,400\nMA-2,90-b3-d5-1f-30-01-00-0a,LG,2026-12-02,10,10\n');
    const pub = run('ma', 'publish', good);
    expect(pub.status, pub.stderr).toBe(0);
    expect(pub.stdout).toMatch(/2 record\(s\) published/);
    const shown = JSON.parse(run('ma', 'show', '--json').stdout) as Array<Record<string, unknown>>;
    expect(shown.map((r) => [r['reference'], r['supplier'], r['requested'], r['committed']])).toEqual([['MA-1', '90b3d51f30010000', 500, 400], ['MA-2', '90b3d51f3001000a', 10, 10]]);
    expect(run('ma', 'show').stdout.split('\n')[0]).toMatch(/^reference\s+supplier\s+smso\s+migrationDate\s+requested\s+committed\s+usedCommitted\s+usedExcess$/);

    const bad = join(world.dir, 'bad.csv');
    writeFileSync(bad, 'reference,supplier,smso,migrationDate,requested,committed\nMA-3,90-B3-D5-1F-30-01-00-00,MDS,2026-12-01,5,4\nMA-4,nope,MDS,2026-12-01,5,4\nMA-5,90-B3-D5-1F-30-01-00-00,MDS,2026-12-01,5,9\n');
    const refused = run('ma', 'publish', bad);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`${bad}:3: supplier "nope"`));
    expect(refused.stderr).toMatch(new RegExp(`${bad}:4: committed 9 is more than requested 5`));
    expect(refused.stderr).toMatch(/2 bad line\(s\); nothing published/);
    const records = await readAll(world.res, topicName(world.plan, 'ref.migration-authorisations'), { expected: 2, settleMs: 1000 });
    expect(records.map((m) => m.key?.toString()).sort()).toEqual(['MA-1', 'MA-2']); // MA-3 of the bad file is not there

    expect(run('ma', 'withdraw', 'MA-1').status).toBe(0);
    expect((JSON.parse(run('ma', 'show', '--json').stdout) as Array<{ reference: string }>).map((r) => r.reference)).toEqual(['MA-2']);
    expect(run('ma', 'show', 'MA-1').status).toBe(1);
  });

  it('publishes and shows the supplier directory', () => {
    const file = join(world.dir, 'suppliers.csv');
    writeFileSync(file, 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n90-B3-D5-1F-30-01-00-0A,2.1,"Supplier, B"\n');
    expect(run('suppliers', 'publish', file).status).toBe(0);
    const shown = JSON.parse(run('suppliers', 'show', '--json').stdout) as Array<Record<string, unknown>>;
    expect(shown.map((r) => [r['supplier'], r['duisVersion'], r['name']])).toEqual([['90b3d51f30010000', '5.4', 'Supplier A'], ['90b3d51f3001000a', '2.1', 'Supplier, B']]);
    expect(run('suppliers', 'withdraw', 'x').status).toBe(2);
  });
});
