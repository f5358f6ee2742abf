import type { Decision } from '../domain/decision.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { FeatureVector } from '../ml/features.js';
import type { Prediction } from '../ml/model.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

/** The narrow view of the model the decision maker needs. */
export interface DecisionModel {
  readonly version: string;
  predictAction(features: FeatureVector): Prediction;
}

export interface DecisionMakerConfig {
  /** Predictions below this confidence become HOLD: no order on confidence the model has not earned. */
  readonly minConfidence: number;
  readonly next: string;
}

const HOLD_PROBS = { BUY: 0, SELL: 0, HOLD: 1 } as const;

/** Asks the trained model for BUY / SELL / HOLD on the snapshot's features. */
export class DecisionMakingAgent implements Agent {
  readonly name = AGENTS.decisionMaker;

  constructor(
    private readonly model: () => DecisionModel,
    private readonly config: DecisionMakerConfig,
  ) {}

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type !== 'MarketSnapshot') return [];
    const snapshot = message.payload;
    const model = this.model();
    let decision: Decision;
    if (!snapshot.features) {
      decision = {
        symbol: snapshot.symbol,
        action: 'HOLD',
        confidence: 1,
        probabilities: HOLD_PROBS,
        reason: `Not enough closed candles for the model features (${snapshot.candles.length}); holding`,
        modelVersion: model.version,
        strategy: 'ml-classifier',
      };
    } else {
      const p = model.predictAction(snapshot.features);
      const gated = p.action !== 'HOLD' && p.confidence < this.config.minConfidence;
      decision = {
        symbol: snapshot.symbol,
        action: gated ? 'HOLD' : p.action,
        confidence: p.confidence,
        probabilities: p.probabilities,
        reason: gated ? `${p.reason}; below the confidence gate ${this.config.minConfidence}, holding` : p.reason,
        modelVersion: model.version,
        strategy: 'ml-classifier',
      };
    }
    ctx.log(this.name, () => `Model predicted ${decision.action} with ${decision.confidence.toFixed(2)} confidence`);
    return [{ to: this.config.next, type: 'Decision', payload: decision }];
  }
}
