import type { Action, ActionProbabilities } from './action.js';

export interface Decision {
  readonly symbol: string;
  readonly action: Action;
  /** Probability of the chosen class, 0..1. */
  readonly confidence: number;
  readonly reason: string;
  readonly modelVersion: string;
  readonly probabilities: ActionProbabilities;
  /** Which strategy or agent produced it (`ml-classifier`, `sma-cross`, ...). */
  readonly strategy: string;
}
