import type { ParamSet } from '../../strategies/search-space.js';

/**
 * A search method: proposes parameter sets and learns from their scores. `next` may be asked several times
 * before any `tell` (trials run in parallel); it answers null when it has nothing left to try (a finished
 * grid). Scores are higher-is-better; null for a failed or pruned trial.
 */
export interface Sampler {
  readonly method: SearchMethod;
  /** Sets it will propose at most (grid), or Infinity. */
  readonly size: number;
  next(): ParamSet | null;
  tell(params: ParamSet, score: number | null): void;
}

export const SEARCH_METHODS = ['grid', 'random', 'tpe'] as const;
export type SearchMethod = (typeof SEARCH_METHODS)[number];
