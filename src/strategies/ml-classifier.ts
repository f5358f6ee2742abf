import type { Decision } from '../domain/decision.js';
import { FEATURE_NAMES, type FeatureVector, latestFeatures } from '../ml/features.js';
import type { Prediction } from '../ml/model.js';
import type { Strategy, StrategyInput } from './strategy.js';

export type MlClassifierParams = {
  /** BUY/SELL predictions below this confidence become HOLD (default 0: no gate). */
  readonly minConfidence: number;
};

/** The narrow view of the trained model a strategy needs (the decision maker's DecisionModel fits it). */
export interface ClassifierModel {
  readonly version: string;
  predictAction(features: FeatureVector): Prediction;
}

export const ML_CLASSIFIER_DESCRIPTION =
  'The trained random-forest classifier (features: SMA gaps, RSI, returns, volume z-score). No proven edge.';

const HOLD = { BUY: 0, SELL: 0, HOLD: 1 } as const;

/**
 * The trained random forest as a strategy: its BUY/SELL/HOLD on the newest candle's features, with the
 * confidence gate. Uses the snapshot's precomputed features when present (O(1)); otherwise computes them
 * from the candles. The model's hold-out accuracy is reported next to its majority baseline; it has no
 * proven trading edge.
 */
export class MlClassifierStrategy implements Strategy {
  readonly name = 'ml-classifier';
  readonly warmup = 60;
  readonly description = ML_CLASSIFIER_DESCRIPTION;

  constructor(
    private readonly model: () => ClassifierModel,
    readonly params: MlClassifierParams = { minConfidence: 0 },
  ) {}

  decide(input: StrategyInput): Decision {
    const model = this.model();
    const features = (input.features as FeatureVector | null | undefined) ?? latestFeatures(input.candles);
    if (!features || FEATURE_NAMES.some((n) => !Number.isFinite(features[n]))) {
      return {
        symbol: input.symbol,
        action: 'HOLD',
        confidence: 1,
        probabilities: HOLD,
        reason: `ml-classifier: not enough closed candles for the model features (${input.candles.length}); holding`,
        modelVersion: model.version,
        strategy: this.name,
      };
    }
    const p = model.predictAction(features);
    const gated = p.action !== 'HOLD' && p.confidence < this.params.minConfidence;
    return {
      symbol: input.symbol,
      action: gated ? 'HOLD' : p.action,
      confidence: p.confidence,
      probabilities: p.probabilities,
      reason: gated ? `${p.reason}; below the confidence gate ${this.params.minConfidence}, holding` : p.reason,
      modelVersion: model.version,
      strategy: this.name,
    };
  }
}
