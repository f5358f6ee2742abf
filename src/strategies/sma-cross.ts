import type { Decision } from '../domain/decision.js';
import { fmt, meanClose, notWarm, ruleDecision, type Strategy, type StrategyInput } from './strategy.js';

export type SmaCrossParams = {
  /** Fast SMA period in bars (default 10). */
  readonly fast: number;
  /** Slow SMA period in bars (default 50); must exceed `fast`. */
  readonly slow: number;
};

export const SMA_CROSS_DEFAULTS: SmaCrossParams = { fast: 10, slow: 50 };

/**
 * Trend following on two simple moving averages: BUY while the fast SMA is above the slow one, SELL while it is
 * below (a state signal, so a position opened late still gets its exit; the risk layer ignores a BUY when
 * already long). Confidence grows with the gap between the averages (1% of price gives 1.0).
 * No proven edge: moving-average crosses lag and whipsaw in ranges. Cost O(slow) per bar, no allocation but the decision.
 */
export class SmaCrossStrategy implements Strategy {
  readonly name = 'sma-cross';
  readonly warmup: number;
  readonly description = 'BUY while SMA(fast) > SMA(slow), SELL while below. Trend following; no proven edge.';

  constructor(readonly params: SmaCrossParams = SMA_CROSS_DEFAULTS) {
    this.warmup = params.slow;
  }

  decide(input: StrategyInput): Decision {
    if (input.candles.length < this.warmup) return notWarm(this, input);
    const { fast, slow } = this.params;
    const n = input.candles.length;
    const f = meanClose(input.candles, n - fast, n);
    const s = meanClose(input.candles, n - slow, n);
    const gap = (f - s) / s;
    const strength = 0.5 + Math.abs(gap) / 0.02;
    const text = () => `SMA${fast}=${fmt(f)} vs SMA${slow}=${fmt(s)} (${(gap * 100).toFixed(2)}%)`;
    if (f > s) return ruleDecision(this, input.symbol, 'BUY', strength, () => `sma-cross: ${text()}, fast above slow`);
    if (f < s) return ruleDecision(this, input.symbol, 'SELL', strength, () => `sma-cross: ${text()}, fast below slow`);
    return ruleDecision(this, input.symbol, 'HOLD', 1, () => `sma-cross: ${text()}, averages equal`);
  }
}
