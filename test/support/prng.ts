/** Test helper (not a test): a seeded generator, so a fuzz case or a kill schedule can be replayed from its seed. */
export type Rng = () => number;

/** mulberry32: tiny, fast and deterministic for a 32-bit seed; values in [0, 1). */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
