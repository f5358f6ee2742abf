import type { Decision } from '../domain/decision.js';
import { rsi } from '../indicators/index.js';
import { fmt, mean, notWarm, ruleDecision, type Strategy, type StrategyInput, tailCloses } from './strategy.js';

export type MeanReversionParams = {
  /** Bollinger period in bars (default 20). */
  readonly period: number;
  /** Band width in population standard deviations (default 2). */
  readonly k: number;
  /** RSI period (default 14); RSI runs over the newest `5 * rsiPeriod + 1` closes. */
  readonly rsiPeriod: number;
  /** BUY needs RSI below this (default 30). */
  readonly oversold: number;
  /** SELL when RSI is above this (default 70), or when the close is back above the middle band. */
  readonly overbought: number;
};

export const MEAN_REVERSION_DEFAULTS: MeanReversionParams = { period: 20, k: 2, rsiPeriod: 14, oversold: 30, overbought: 70 };

/**
 * Bollinger/RSI mean reversion: BUY when the close is below the lower band and RSI is oversold; SELL when the
 * close is back above the middle band or RSI is overbought; else HOLD. Wilder's RSI is a recurrence over all
 * earlier bars; running it over a fixed tail of `5 * rsiPeriod + 1` closes keeps the cost per bar constant and
 * the answer independent of how much history the caller passes (it differs slightly from an all-history RSI).
 * No proven edge: buying weakness loses in trends.
 */
export class MeanReversionStrategy implements Strategy {
  readonly name = 'mean-reversion';
  readonly warmup: number;
  readonly description =
    'BUY below the lower Bollinger band with RSI oversold; SELL back above the middle band or RSI overbought. No proven edge.';
  private readonly rsiTail: number;

  constructor(readonly params: MeanReversionParams = MEAN_REVERSION_DEFAULTS) {
    this.rsiTail = 5 * params.rsiPeriod + 1;
    this.warmup = Math.max(params.period, this.rsiTail);
  }

  decide(input: StrategyInput): Decision {
    if (input.candles.length < this.warmup) return notWarm(this, input);
    const { period, k, rsiPeriod, oversold, overbought } = this.params;
    const closes = tailCloses(input.candles, this.warmup);
    const n = closes.length;
    const mid = mean(closes, n - period, n);
    let ss = 0;
    for (let i = n - period; i < n; i++) ss += (closes[i] - mid) ** 2;
    const sd = Math.sqrt(ss / period);
    const lower = mid - k * sd;
    const r = rsi(closes.subarray(n - this.rsiTail), rsiPeriod)[this.rsiTail - 1];
    const close = closes[n - 1];
    const text = `close ${fmt(close)}, bands ${fmt(lower)}/${fmt(mid)}/${fmt(mid + k * sd)}, RSI${rsiPeriod}=${r.toFixed(1)}`;
    if (close < lower && r < oversold) {
      return ruleDecision(
        this,
        input.symbol,
        'BUY',
        0.5 + (oversold - r) / oversold,
        `mean-reversion: ${text}; below the lower band and oversold`,
      );
    }
    if (r > overbought)
      return ruleDecision(this, input.symbol, 'SELL', 0.5 + (r - overbought) / (100 - overbought), `mean-reversion: ${text}; overbought`);
    if (close > mid) return ruleDecision(this, input.symbol, 'SELL', 0.6, `mean-reversion: ${text}; back above the mean`);
    return ruleDecision(this, input.symbol, 'HOLD', 1, `mean-reversion: ${text}; no setup`);
  }
}
