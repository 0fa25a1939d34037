import { describe, expect, it } from 'vitest';
import { asSpoolError, SPOOL_DISK_ERRNOS, spoolDiskError, spoolErrno, type SpoolErrno } from '../../../../src/adapters/fs/spool-disk.js';
import { INTERNAL_ERRORS } from '../../../../src/core/errors/codes.js';
import { errorCode, exitStatusOf, isRetriable, S1migError } from '../../../../src/core/errors/s1mig-error.js';
import { errnoError } from '../../../support/spool-fault.js';

const DIR = '/var/lib/s1mig/spool/base/s1mig-spool-AbC123';

describe('a spool refused by its disk (issue 13)', () => {
  it('is SPOOL_UNAVAILABLE, retriable, exit 3, for every disk errno, with the folder and the fix in the message and the errno as the cause', () => {
    expect(INTERNAL_ERRORS.SPOOL_UNAVAILABLE).toMatchObject({ retriable: true, exit: 3 });
    const fixes: Record<SpoolErrno, RegExp> = {
      ENOSPC: /free space on its disk/, EDQUOT: /raise the quota/, EACCES: /create and write files in it/, EPERM: /create and write files in it/,
      EROFS: /mount its disk read-write/, EIO: /check its disk/, ENOENT: /gone .*cleaner/,
    };
    expect(Object.keys(SPOOL_DISK_ERRNOS).sort()).toEqual(Object.keys(fixes).sort());
    for (const errno of Object.keys(fixes) as SpoolErrno[]) {
      const cause = errnoError(errno, 'write', `${DIR}/3-s1mig.mcf.chunks-0-17.mcf`);
      const err = spoolDiskError(cause, DIR, 'write')!;
      expect(errorCode(err), errno).toBe('SPOOL_UNAVAILABLE');
      expect(isRetriable(err)).toBe(true);
      expect(exitStatusOf(err)).toBe(3);
      expect(err.message).toBe(`spool folder ${DIR}: cannot write to it (${errno}): ${SPOOL_DISK_ERRNOS[errno]}`);
      expect(err.message).toMatch(fixes[errno]);
      expect(err.cause).toBe(cause);
      expect(spoolErrno(err)).toBe(errno);
    }
  });

  it('names what was refused', () => {
    const msg = (op: Parameters<typeof spoolDiskError>[2]) => spoolDiskError(errnoError('EACCES', op, DIR), DIR, op)!.message;
    expect(msg('mkdir')).toMatch(/cannot create its folder in it \(EACCES\)/);
    expect(msg('create')).toMatch(/cannot create a file in it/);
    expect(msg('close')).toMatch(/cannot close a file of it/);
    expect(msg('open')).toMatch(/cannot open a file of it/);
    expect(msg('read')).toMatch(/cannot read from it/);
  });

  it('leaves every other failure as it is: an exclusive create that found a file, a planted link, a coded error, a plain one', () => {
    for (const code of ['EEXIST', 'ELOOP', 'EBADF', 'EMFILE']) {
      const err = Object.assign(new Error(code), { code });
      expect(spoolDiskError(err, DIR, 'create'), code).toBeNull();
      expect(asSpoolError(err, DIR, 'create')).toBe(err);
      expect(spoolErrno(err)).toBeUndefined();
    }
    const tampered = new S1migError('SPOOL_TAMPERED', 'changed');
    expect(asSpoolError(tampered, DIR, 'read')).toBe(tampered);
    const plain = new Error('ENOSPC: the text alone is not an errno');
    expect(asSpoolError(plain, DIR, 'write')).toBe(plain);
    expect(spoolErrno(new S1migError('SPOOL_UNAVAILABLE', 'no cause'))).toBeUndefined();
  });
});
