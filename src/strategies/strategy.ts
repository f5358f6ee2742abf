import type { Action, ActionProbabilities } from '../domain/action.js';
import type { Candle } from '../domain/candle.js';
import type { Decision } from '../domain/decision.js';

/** What a strategy reads: closed candles oldest first (a MarketSnapshot satisfies it). */
export interface StrategyInput {
  readonly symbol: string;
  readonly candles: readonly Candle[];
  /** Model features of the newest candle when already computed (the ml-classifier reuses them). */
  readonly features?: Readonly<Record<string, number>> | null;
}

export type StrategyParams = Readonly<Record<string, number>>;

/**
 * A deterministic trading rule. `decide` is pure: the same candles give the same decision. It reads only the
 * newest `warmup` candles, so its cost per bar does not grow with the history handed to it; fewer candles than
 * `warmup` give HOLD. None of the bundled strategies has a proven edge: they are examples to measure, not advice.
 */
export interface Strategy {
  readonly name: string;
  readonly params: StrategyParams;
  /** Closed candles needed for a signal. */
  readonly warmup: number;
  readonly description: string;
  decide(input: StrategyInput): Decision;
}

const PROBS: Readonly<Record<Action, (c: number) => ActionProbabilities>> = {
  BUY: (c) => ({ BUY: c, SELL: (1 - c) / 2, HOLD: (1 - c) / 2 }),
  SELL: (c) => ({ BUY: (1 - c) / 2, SELL: c, HOLD: (1 - c) / 2 }),
  HOLD: (c) => ({ BUY: (1 - c) / 2, SELL: (1 - c) / 2, HOLD: c }),
};

/**
 * A rule strategy's decision; confidence is clamped to [0.5, 1] (a rule is never less sure than a coin). A
 * `reason` function is formatted on first read: a backtest makes a decision per candle and reads few reasons.
 */
export function ruleDecision(
  strategy: Strategy,
  symbol: string,
  action: Action,
  strength: number,
  reason: string | (() => string),
): Decision {
  const confidence = Math.min(1, Math.max(0.5, Number.isFinite(strength) ? strength : 0.5));
  const probabilities = PROBS[action](confidence);
  const modelVersion = `${strategy.name}-v1`;
  if (typeof reason === 'string') return { symbol, action, confidence, probabilities, reason, modelVersion, strategy: strategy.name };
  let text: string | undefined;
  return {
    symbol,
    action,
    confidence,
    probabilities,
    get reason() {
      text ??= reason();
      return text;
    },
    modelVersion,
    strategy: strategy.name,
  };
}

export function notWarm(strategy: Strategy, input: StrategyInput): Decision {
  return ruleDecision(
    strategy,
    input.symbol,
    'HOLD',
    1,
    `${strategy.name}: ${input.candles.length} closed candles, needs ${strategy.warmup}; holding`,
  );
}

/** Closes of the newest `n` candles (oldest first). */
export function tailCloses(candles: readonly Candle[], n: number): Float64Array {
  const out = new Float64Array(n);
  const start = candles.length - n;
  for (let i = 0; i < n; i++) out[i] = candles[start + i].close;
  return out;
}

/** Mean of the closes of `candles[from, to)`, summed oldest first (as `mean` over `tailCloses` sums them). */
export function meanClose(candles: readonly Candle[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += candles[i].close;
  return s / (to - from);
}

/** Mean of `values[from, to)`. */
export function mean(values: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i];
  return s / (to - from);
}

export const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(6));
