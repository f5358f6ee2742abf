import type { DecisionModel } from '../../../src/agents/decision-maker.js';
import type { BacktestSpec, ProtocolFactory } from '../../../src/backtest/runner.js';
import type { Candle } from '../../../src/domain/candle.js';
import { pipelineProtocol } from '../../../src/engine/protocols/pipeline.js';
import { ReplaySource } from '../../../src/market/replay-source.js';

/** A deterministic stand-in model: BUY below the 50-bar mean, SELL above it (no edge, just activity). */
export const toyModel: DecisionModel = {
  version: 'toy-v1',
  predictAction: (f) => {
    const action = f.sma50_rel > 0.002 ? 'BUY' : f.sma50_rel < -0.002 ? 'SELL' : 'HOLD';
    return { action, confidence: 1, probabilities: { BUY: 0, SELL: 0, HOLD: 0, [action]: 1 }, reason: 'toy rule' };
  },
};

export const toyPipeline: ProtocolFactory = (k) =>
  pipelineProtocol({
    source: k.source,
    model: () => toyModel,
    broker: k.broker,
    interval: k.interval,
    klineLimit: k.klineLimit,
    minConfidence: 0,
    sizing: k.sizing,
    rules: k.rules,
  });

/** A spec over `candles` with the toy pipeline, a fee, slippage and half-equity orders. */
export function toySpec(candles: readonly Candle[], over: Partial<BacktestSpec> = {}): BacktestSpec {
  return {
    source: new ReplaySource({ series: [{ symbol: 'BTCUSDT', interval: '1h', candles }], warmupBars: 60 }),
    symbols: ['BTCUSDT'],
    interval: '1h',
    strategy: 'toy',
    protocol: toyPipeline,
    costs: { feeBps: 10, slippageBps: 5 },
    portfolio: { startingCapital: 10_000, allowShort: false },
    sizing: { fraction: 0.5, quantityStep: 0.00001, allowShort: false },
    klineLimit: 60,
    ...over,
  };
}
