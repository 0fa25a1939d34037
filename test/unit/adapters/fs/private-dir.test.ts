import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';
import { createPrivateDir } from '../../../../src/adapters/fs/private-dir.js';

const base = mkdtempSync(join(tmpdir(), 's1mig-private-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('createPrivateDir', () => {
  // Regression (audit, defect 2): the splitter used a fixed $TMPDIR/s1mig-spool and accepted an
  // existing world-writable folder there.
  it('creates a fresh 0700 folder with a random name under the base each time, and removes it', () => {
    const a = createPrivateDir(base, 'p-');
    const b = createPrivateDir(base, 'p-');
    expect(a.path).not.toBe(b.path);
    for (const d of [a, b]) {
      const st = lstatSync(d.path);
      expect(st.isDirectory()).toBe(true);
      expect(st.mode & 0o777).toBe(0o700);
      expect(d.path.startsWith(join(base, 'p-'))).toBe(true);
    }
    a.remove();
    a.remove();
    expect(existsSync(a.path)).toBe(false);
    b.remove();
  });

  it('never uses a folder someone prepared: a pre-created world-writable one of the old fixed name stays untouched', () => {
    const planted = join(base, 'p-planted');
    mkdirSync(planted, { mode: 0o777 });
    chmodSync(planted, 0o777);
    const d = createPrivateDir(base, 'p-');
    expect(d.path).not.toBe(planted);
    expect(readdirSync(planted)).toEqual([]);
    d.remove();
  });

  it('refuses a relative base, a missing one, a file, and a world-writable base without the sticky bit', () => {
    expect(errorCode(catching(() => createPrivateDir('relative/dir', 'p-')))).toBe('CONFIG_INVALID');
    expect(errorCode(catching(() => createPrivateDir(join(base, 'missing'), 'p-')))).toBe('CONFIG_INVALID');
    const file = join(base, 'a-file');
    writeFileSync(file, '');
    expect(errorCode(catching(() => createPrivateDir(file, 'p-')))).toBe('CONFIG_INVALID');
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect((catching(() => createPrivateDir(open, 'p-')) as Error).message).toMatch(/sticky/);
    chmodSync(open, 0o1777);
    createPrivateDir(open, 'p-').remove();
  });

  it('removes the folders a dead process of ours left behind, not a live one\'s', () => {
    const live = createPrivateDir(base, 'q-');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const left = join(base, 'q-left');
    mkdirSync(left, { mode: 0o700 });
    writeFileSync(join(left, 'owner.pid'), `${dead.stdout}\n`);
    writeFileSync(join(left, 'upload.mcf'), 'bytes of a dead upload');
    const d = createPrivateDir(base, 'q-');
    expect(existsSync(left)).toBe(false);
    expect(existsSync(live.path)).toBe(true);
    d.remove();
    live.remove();
  });

  // Found reviewing the Kubernetes manifests (issue 12): in a container the processor is PID 1
  // on every start and the spool emptyDir survives a killed container, so a folder left by an
  // earlier PID 1 carried our own pid and was never removed.
  it('removes a folder an earlier process with our own pid left behind, and keeps this process\'s own', () => {
    const mine = createPrivateDir(base, 'r-');
    const earlier = join(base, 'r-earlier-life');
    mkdirSync(earlier, { mode: 0o700 });
    writeFileSync(join(earlier, 'owner.pid'), `${process.pid} 0123456789abcdef\n`);
    const oldFormat = join(base, 'r-old-format');
    mkdirSync(oldFormat, { mode: 0o700 });
    writeFileSync(join(oldFormat, 'owner.pid'), `${process.pid}\n`);
    const next = createPrivateDir(base, 'r-');
    expect(existsSync(earlier)).toBe(false);
    expect(existsSync(oldFormat)).toBe(false);
    expect(existsSync(mine.path)).toBe(true);
    next.remove();
    mine.remove();
  });
});

function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return null;
}
