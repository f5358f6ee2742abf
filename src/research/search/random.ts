import { mulberry32 } from '../../ml/prng.js';
import type { ParamSet, SearchSpace } from '../../strategies/search-space.js';
import type { Sampler } from './sampler.js';
import { paramKey, uniformDraw } from './sampling.js';

/** Draws tried before a sampler concludes the space has no further valid, unseen set. */
export const MAX_REJECTS = 1000;

/**
 * Random search: every parameter drawn uniformly (in log space for `log` parameters) from the seeded
 * mulberry32 stream, invalid and already-tried sets redrawn. The same space and seed give the same sets.
 */
export function randomSampler(space: SearchSpace, seed: number): Sampler {
  const rand = mulberry32(seed);
  const seen = new Set<string>();
  return {
    method: 'random',
    size: Number.POSITIVE_INFINITY,
    next: () => drawValid(space, seen, () => uniformDraw(space, rand)),
    tell: () => {},
  };
}

/** The first draw that is valid and unseen (and marks it seen), or null after MAX_REJECTS tries. */
export function drawValid(space: SearchSpace, seen: Set<string>, draw: () => ParamSet): ParamSet | null {
  for (let i = 0; i < MAX_REJECTS; i++) {
    const p = draw();
    const key = paramKey(p);
    if (seen.has(key) || space.invalid?.(p)) continue;
    seen.add(key);
    return p;
  }
  return null;
}
