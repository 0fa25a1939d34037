/**
 * Refuses what the configuration would otherwise ignore in silence: a key in the config
 * file that names no setting (`{"kafka":{"broker":...}}` used to run against the local
 * defaults), and an `S1MIG_*` environment variable that nothing reads. The shape of the
 * file is derived from the defaults themselves, so a new setting is accepted as soon as it
 * has a default; the few places where a default cannot show the shape are said here.
 */
import { S1migError } from '../../core/errors/s1mig-error.js';

export type Shape = 'leaf' | { readonly [key: string]: Shape };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The keys an object holds, recursively; arrays and scalars are leaves. */
export function shapeOf(v: unknown): Shape {
  if (!isPlainObject(v)) return 'leaf';
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shapeOf(x)]));
}

/** Edit distance, for "did you mean" (short names only: a config key or a variable name). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    // A shortened name (perSec for perSecond) is as good a hint as a misspelt one.
    const d = c.toLowerCase().startsWith(name.toLowerCase()) && name.length >= 3 ? 1 : distance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/**
 * Every key of `value` must be in `shape`; `*` in a shape stands for any key (a map such as
 * the SMSOs by code). Descends only where both sides are objects: a wrong type is the
 * validator's to report, with its own message.
 */
export function checkKeys(value: unknown, shape: Shape, path = ''): void {
  if (shape === 'leaf' || !isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const sub = shape[k] ?? shape['*'];
    if (sub === undefined) {
      const known = Object.keys(shape);
      const hint = closest(k, known);
      throw new S1migError('CONFIG_INVALID', `config ${path}${k}: unknown key${hint === null ? '' : ` (did you mean '${path}${hint}'?)`}; ${path === '' ? 'the file' : path.slice(0, -1)} takes ${known.join(', ')}`);
    }
    checkKeys(v, sub, `${path}${k}.`);
  }
}

/** Refuses an `S1MIG_*` variable that is not one of `known`, naming the closest known one. */
export function checkEnvNames(env: NodeJS.ProcessEnv, known: ReadonlySet<string>): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith('S1MIG_') || known.has(name)) continue;
    const hint = closest(name, known);
    throw new S1migError('CONFIG_INVALID', `environment variable ${name} is not one s1mig reads${hint === null ? '' : ` (did you mean ${hint}?)`}; docs/operations.md lists them`);
  }
}
