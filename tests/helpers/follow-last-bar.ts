import type { TradingModel } from '../../src/ml/model.js';

/**
 * A deterministic stand-in for the forest: BUY after an up bar, SELL after a down bar (confidence 0.8). Busy on
 * purpose, so every rule (fills, denials, stops, halts, costs) is exercised, and the same on both sides of a
 * comparison.
 */
export const followLastBarModel = {
  version: 'follow-last-bar-v1',
  predictAction: (f: Readonly<Record<string, number>>) => {
    const action = f.ret_1 > 0 ? ('BUY' as const) : ('SELL' as const);
    return {
      action,
      confidence: 0.8,
      probabilities: { BUY: action === 'BUY' ? 0.8 : 0.1, SELL: action === 'SELL' ? 0.8 : 0.1, HOLD: 0.1 },
      reason: `follow ${f.ret_1}`,
    };
  },
} as unknown as TradingModel;
