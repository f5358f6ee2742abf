import { ConclaveError } from '../../domain/errors.js';
import type { SearchSpace } from '../../strategies/search-space.js';
import { gridSampler } from './grid.js';
import { randomSampler } from './random.js';
import { type Sampler, SEARCH_METHODS, type SearchMethod } from './sampler.js';
import { tpeSampler } from './tpe.js';

export { MedianPruner } from './pruner.js';
export { type Sampler, SEARCH_METHODS, type SearchMethod } from './sampler.js';

export function isSearchMethod(x: string): x is SearchMethod {
  return (SEARCH_METHODS as readonly string[]).includes(x);
}

/**
 * The sampler of `method` over `space`.
 * @throws ConclaveError VALIDATION_ERROR for an unknown method.
 */
export function createSampler(method: string, space: SearchSpace, trials: number, seed: number): Sampler {
  if (method === 'grid') return gridSampler(space, trials);
  if (method === 'random') return randomSampler(space, seed);
  if (method === 'tpe') return tpeSampler(space, seed);
  throw new ConclaveError('VALIDATION_ERROR', `unknown search method "${method}": expected one of ${SEARCH_METHODS.join(', ')}`, {
    field: 'search',
  });
}
