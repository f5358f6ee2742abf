import { beforeAll, describe, expect, it } from 'vitest';
import type { DecisionModel } from '../../../src/agents/decision-maker.js';
import { runBacktest } from '../../../src/backtest/runner.js';
import { withOverrides } from '../../../src/config.js';
import type { Candle } from '../../../src/domain/candle.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { sharedData } from '../../helpers/shared-data.js';
import { toyConfig, toySpec } from './toy-protocol.js';

/** Says BUY on every candle: without a limit on entries it would buy again every cycle. */
const alwaysBuy: DecisionModel = {
  version: 'always-buy',
  predictAction: () => ({ action: 'BUY', confidence: 1, probabilities: { BUY: 1, SELL: 0, HOLD: 0 }, reason: 'always' }),
};

let candles: Candle[];
beforeAll(() => {
  const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const start = all.findIndex((c) => c.openTime >= Date.UTC(2024, 0, 1));
  candles = all.slice(start, start + 200);
});

async function run(maxEntries: number) {
  // Small orders and loose governor limits, so only MAX_ENTRIES_PER_POSITION can stop an add.
  const config = withOverrides(toyConfig, {
    ORDER_FRACTION: 0.05,
    MAX_ENTRIES_PER_POSITION: maxEntries,
    MAX_POSITION_PER_SYMBOL: 10,
    MAX_EXPOSURE: 10,
    MAX_DRAWDOWN: 1,
    MAX_DAILY_LOSS: 1,
  });
  return runBacktest(toySpec(candles, { config, model: () => alwaysBuy }));
}

describe('MAX_ENTRIES_PER_POSITION (no pyramiding by default)', () => {
  it('default 1: one BUY fill, every later BUY becomes HOLD with the reason', async () => {
    const r = await run(1);
    expect(r.settings.MAX_ENTRIES_PER_POSITION).toBe(1);
    expect(r.fills.filter((f) => f.side === 'BUY')).toHaveLength(1);
    const later = r.decisions.slice(1);
    expect(later.length).toBeGreaterThan(100);
    for (const d of later) {
      expect(d.decision.action).toBe('HOLD');
      expect(d.decision.reason).toContain('MAX_ENTRIES_PER_POSITION 1');
    }
  });

  it('3 allows exactly three entries into the position', async () => {
    const r = await run(3);
    expect(r.fills.filter((f) => f.side === 'BUY')).toHaveLength(3);
    expect(r.decisions.filter((d) => d.decision.action === 'BUY')).toHaveLength(3);
  });
});
