/**
 * mulberry32: a tiny 32-bit seeded PRNG. Good enough for bootstrap draws and feature sampling, and it makes a
 * forest reproducible: the same data and seed give the same trees on every platform (pure integer math).
 * @param skip draws to jump over: the generator then continues as if `skip` values had been taken (the state
 *   only advances by a constant per draw), so a sequence can be split into chunks that run anywhere.
 * @returns a function giving floats uniformly in [0, 1).
 */
export function mulberry32(seed: number, skip = 0): () => number {
  // Math.imul keeps the low 32 bits of skip * increment, which is all the state holds.
  let state = ((seed >>> 0) + Math.imul(skip, 0x6d2b79f5)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
