/**
 * Test-only fault injection for the crash-recovery tests: `S1MIG_FAULT_KILL=<point>[:<n>]`
 * makes the process SIGKILL itself the n-th time (default 1) a lane reaches <point>, so a
 * test can crash it at an exact step of an attempt instead of at a random moment. Unset (the
 * default, and always in production) it costs one comparison.
 *
 * - `after-send`: the start transaction committed and the request went to the SMSO, before
 *   any answer;
 * - `before-record`: the SMSO answered (its own record has it), before the result's
 *   transaction;
 * - `during-rollback`: a failed attempt's rollback is built, before its transaction commits.
 */
export const FAULT_POINTS = ['after-send', 'before-record', 'during-rollback'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export type FaultHook = (point: FaultPoint) => void;

export const NO_FAULTS: FaultHook = () => undefined;

export function faultHook(spec: string | undefined, kill: () => void = () => process.kill(process.pid, 'SIGKILL')): FaultHook {
  if (spec === undefined || spec === '') return NO_FAULTS;
  const m = /^([a-z-]+)(?::([0-9]+))?$/.exec(spec);
  if (m === null || !(FAULT_POINTS as readonly string[]).includes(m[1]!)) throw new RangeError(`S1MIG_FAULT_KILL must be <point>[:<n>] with a point of ${FAULT_POINTS.join(', ')}`);
  const point = m[1] as FaultPoint;
  let left = Number(m[2] ?? 1);
  return (p) => {
    if (p === point && --left === 0) kill();
  };
}
