import type { Decision } from '../domain/decision.js';
import { fmt, notWarm, ruleDecision, type Strategy, type StrategyInput } from './strategy.js';

export type BreakoutParams = {
  /** Entry channel: highest high of the previous `period` bars (default 20). */
  readonly period: number;
  /** Exit channel: lowest low of the previous `exitPeriod` bars (default 10). */
  readonly exitPeriod: number;
};

export const BREAKOUT_DEFAULTS: BreakoutParams = { period: 20, exitPeriod: 10 };

/**
 * Donchian channel breakout (the turtle rule): BUY when the close breaks above the highest high of the
 * previous `period` bars, SELL when it breaks below the lowest low of the previous `exitPeriod` bars, else
 * HOLD. The current bar is excluded from its own channel. Confidence grows with the size of the break
 * (0.5% beyond the channel gives 1.0). No proven edge: most breakouts fail in ranges. Cost O(period) per bar.
 */
export class BreakoutStrategy implements Strategy {
  readonly name = 'breakout';
  readonly warmup: number;
  readonly description = 'BUY on a close above the previous N-bar high (Donchian), SELL below the previous M-bar low. No proven edge.';

  constructor(readonly params: BreakoutParams = BREAKOUT_DEFAULTS) {
    this.warmup = Math.max(params.period, params.exitPeriod) + 1;
  }

  decide(input: StrategyInput): Decision {
    const { candles } = input;
    if (candles.length < this.warmup) return notWarm(this, input);
    const n = candles.length;
    const close = candles[n - 1].close;
    let upper = Number.NEGATIVE_INFINITY;
    for (let i = n - 1 - this.params.period; i < n - 1; i++) upper = Math.max(upper, candles[i].high);
    let lower = Number.POSITIVE_INFINITY;
    for (let i = n - 1 - this.params.exitPeriod; i < n - 1; i++) lower = Math.min(lower, candles[i].low);
    if (close > upper) {
      return ruleDecision(
        this,
        input.symbol,
        'BUY',
        0.5 + (close / upper - 1) / 0.01,
        `breakout: close ${fmt(close)} above the ${this.params.period}-bar high ${fmt(upper)}`,
      );
    }
    if (close < lower) {
      return ruleDecision(
        this,
        input.symbol,
        'SELL',
        0.5 + (1 - close / lower) / 0.01,
        `breakout: close ${fmt(close)} below the ${this.params.exitPeriod}-bar low ${fmt(lower)}`,
      );
    }
    return ruleDecision(this, input.symbol, 'HOLD', 1, `breakout: close ${fmt(close)} inside the channel ${fmt(lower)}..${fmt(upper)}`);
  }
}
