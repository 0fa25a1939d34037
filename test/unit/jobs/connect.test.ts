import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../support/ports.js';

const cli = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 's1mig-connect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Issue 12: an unreachable broker cost half a minute of kafkajs retries, each logged as an error line.
describe('a command whose broker and registry are not there', () => {
  it('says so in one line within a few seconds and exits 3 (publish, report, ma show, topics apply, alerts export)', async () => {
    const env = { ...process.env, S1MIG_KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`, S1MIG_REGISTRY_URL: `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7` };
    const file = join(dir, 'x.xml');
    writeFileSync(file, '<x/>');
    for (const args of [['publish', file], ['report', 'KEY'], ['ma', 'show'], ['topics', 'apply'], ['alerts', 'export', '--out', join(dir, 'out')]]) {
      const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      // One line: the kafkajs retries (each an error line, ~35 s in all) never start.
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^s1mig [a-z]+: (no Kafka broker can be reached|the Schema Registry at .* cannot be reached)/);
      expect(r.stdout).toBe('');
    }
  }, 120_000);

  it('takes the brokers and the registry from --bootstrap-server and --schema-registry-url, over the environment', async () => {
    const [broker, registry] = [await closedPort(), await closedPort()];
    const env = { ...process.env, S1MIG_KAFKA_BROKERS: '127.0.0.1:1', S1MIG_REGISTRY_URL: 'http://127.0.0.1:1' };
    const r = spawnSync(process.execPath, [cli, 'status', '--bootstrap-server', `127.0.0.1:${broker}`, `--schema-registry-url=http://127.0.0.1:${registry}`], { env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${broker}|127\\.0\\.0\\.1:${registry}`));
    expect(r.stderr).not.toContain('127.0.0.1:1 ');
    const bad = spawnSync(process.execPath, [cli, 'status', '--bootstrap-server', 'no-port'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/config kafka\.brokers: 'no-port' is not host:port/);
  }, 120_000);
});
