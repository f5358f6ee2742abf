import type { DecisionModel } from '../../../src/agents/decision-maker.js';
import type { BacktestSpec } from '../../../src/backtest/runner.js';
import { loadConfig } from '../../../src/config.js';
import type { Candle } from '../../../src/domain/candle.js';
import { ReplaySource } from '../../../src/market/replay-source.js';

/** A deterministic stand-in model: BUY below the 50-bar mean, SELL above it (no edge, just activity). */
export const toyModel: DecisionModel = {
  version: 'toy-v1',
  predictAction: (f) => {
    const action = f.sma50_rel > 0.002 ? 'BUY' : f.sma50_rel < -0.002 ? 'SELL' : 'HOLD';
    return { action, confidence: 1, probabilities: { BUY: 0, SELL: 0, HOLD: 0, [action]: 1 }, reason: 'toy rule' };
  },
};

/**
 * The pipeline with the toy model as paper trading composes it (governor, one entry per position), half-equity
 * orders, a fee and slippage, and no ATR stops, so every fill answers a decision of the candle before.
 */
export const toyConfig = loadConfig({
  LOG_LEVEL: 'silent',
  PROTOCOL: 'pipeline',
  KLINE_INTERVAL: '1h',
  KLINE_LIMIT: '60',
  FEE_BPS: '10',
  SLIPPAGE_BPS: '5',
  STARTING_CAPITAL: '10000',
  ORDER_FRACTION: '0.5',
  ATR_STOP_MULT: '0',
});

/** A spec over `candles` with the toy pipeline. */
export function toySpec(candles: readonly Candle[], over: Partial<BacktestSpec> = {}): BacktestSpec {
  return {
    source: new ReplaySource({ series: [{ symbol: 'BTCUSDT', interval: '1h', candles }], warmupBars: 60 }),
    symbols: ['BTCUSDT'],
    config: toyConfig,
    model: () => toyModel,
    strategy: 'toy',
    ...over,
  };
}
