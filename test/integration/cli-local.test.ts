import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portOpen } from '../../src/adapters/local/processes.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

function s1mig(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A process counts as gone once it has exited (a zombie waiting for its reaper has no cmdline). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
}

describe('s1mig local', () => {
  it('status reports the running instance healthy on loopback, and up reuses it', () => {
    const status = s1mig(['local', 'status', '--json']);
    expect(status.status).toBe(0);
    const st = JSON.parse(status.stdout) as { services: Array<{ name: string; state: string; pid: number; endpoint: string }> };
    expect(st.services.map((s) => [s.name, s.state])).toEqual([['kafka', 'healthy'], ['registry', 'healthy']]);
    for (const s of st.services) expect(s.endpoint).toContain('127.0.0.1:');
    const up = s1mig(['local', 'up', '--json']);
    expect(up.status).toBe(0);
    const again = JSON.parse(up.stdout) as typeof st;
    expect(again.services.map((s) => s.pid)).toEqual(st.services.map((s) => s.pid));
  });

  it('refuses to start on a port held by someone else and names the holder', () => {
    const dir = mkdtempSync(join(tmpdir(), 's1mig-other-'));
    try {
      // Same ports as the running instance, other data folder: those ports are not ours.
      const r = s1mig(['local', 'up'], { S1MIG_LOCAL_DIR: dir });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/port \d+ on 127\.0\.0\.1 is held by pid \d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works through npx (the installed bin entry)', () => {
    const r = spawnSync('npx', ['--no-install', 's1mig', 'local', 'status'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kafka\s+healthy/);
    expect(r.stdout).toMatch(/registry\s+healthy/);
  });

  describe('a second, isolated instance', () => {
    const dir = mkdtempSync(join(tmpdir(), 's1mig-second-'));
    const env = { S1MIG_LOCAL_DIR: dir, S1MIG_PORT_BASE: String(20_000 + (process.pid % 400) * 10) };
    afterAll(() => {
      s1mig(['local', 'down'], env);
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts on its own ports and data folder, and down leaves no process of ours behind', async () => {
      const up = s1mig(['local', 'up', '--json'], env);
      expect(up.status, up.stderr).toBe(0);
      const st = JSON.parse(up.stdout) as { dataDir: string; services: Array<{ state: string; pid: number; ports: number[] }> };
      expect(st.dataDir).toBe(dir);
      expect(st.services.every((s) => s.state === 'healthy')).toBe(true);
      expect(existsSync(join(dir, 'kafka', 'data', 'meta.properties'))).toBe(true);
      const pids = st.services.map((s) => s.pid);
      const ports = st.services.flatMap((s) => s.ports);

      const down = s1mig(['local', 'down'], env);
      expect(down.status).toBe(0);
      for (const pid of pids) expect(alive(pid)).toBe(false);
      for (const port of ports) expect(await portOpen(port)).toBe(false);
      const after = s1mig(['local', 'status', '--json'], env);
      expect(after.status).toBe(1);
      expect((JSON.parse(after.stdout) as { services: Array<{ state: string }> }).services.map((s) => s.state)).toEqual(['stopped', 'stopped']);
    });
  });
});
