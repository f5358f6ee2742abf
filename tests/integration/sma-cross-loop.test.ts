import { describe, expect, it } from 'vitest';
import { loopMismatches, smaCrossLoop } from '../../bench/sma-cross-loop.js';
import { runStrategyBacktest } from '../../src/backtest/service.js';
import { loadConfig } from '../../src/config.js';
import type { Candle } from '../../src/domain/candle.js';
import { candlesToColumns, columnsToCandles, readCandleColumns } from '../../src/market/csv-candles.js';
import { sharedData } from '../helpers/shared-data.js';

/**
 * The bench's hand-written sma-cross loop (bench/sma-cross-loop.ts) is the yardstick the engine's speed is
 * measured against; it is only one if it trades exactly as the kernel does. These runs over real BTCUSDT 1h
 * candles compare every fill, every denial by reason code and the equity after every candle, and each run
 * proves it exercised the rules it is there for (stops, halts, REDUCING, a hole), so the check cannot rot into
 * comparing two empty lists.
 */
const all = readCandleColumns(sharedData('klines', 'BTCUSDT_1h.csv'));

function slice(fromTime: number, count: number, cut?: { from: number; to: number }): Candle[] {
  let i = 0;
  while (all.openTime[i] < fromTime) i++;
  const candles = columnsToCandles(all, i, i + count);
  return cut ? candles.filter((c) => c.openTime < cut.from || c.openTime >= cut.to) : candles;
}

async function both(candles: Candle[], env: Record<string, string> = {}) {
  const config = loadConfig({ LOG_LEVEL: 'silent', KLINE_INTERVAL: '1h', ...env });
  const { result } = await runStrategyBacktest({ series: [{ symbol: 'BTCUSDT', interval: '1h', candles }], strategy: 'sma-cross', config });
  const loop = smaCrossLoop(candlesToColumns(candles), config, { start: config.KLINE_LIMIT - 1 });
  return { result, loop };
}

describe('the hand-written sma-cross loop trades exactly as the kernel', () => {
  it('default settings over 3,000 candles: entries, exits, ATR stops and take-profits, NO_POSITION denials', async () => {
    const { result, loop } = await both(slice(Date.UTC(2021, 0, 1), 3000));
    expect(loopMismatches(result, loop)).toEqual([]);
    expect(result.fills.length).toBeGreaterThan(40);
    expect(result.events.stops.some((s) => s.kind === 'STOP_LOSS')).toBe(true);
    expect(result.events.stops.some((s) => s.kind === 'TAKE_PROFIT')).toBe(true);
    expect(result.events.denials.NO_POSITION).toBeGreaterThan(100);
  });

  it('a tight daily-loss limit: halts, REDUCING denials, day rolls lifting the halt', async () => {
    const { result, loop } = await both(slice(Date.UTC(2022, 4, 1), 2000), {
      MAX_DAILY_LOSS: '0.004',
      ORDER_FRACTION: '0.5',
      MAX_POSITION_PER_SYMBOL: '0.6',
    });
    expect(loopMismatches(result, loop)).toEqual([]);
    expect(result.events.halts.filter((h) => h.code === 'MAX_DAILY_LOSS').length).toBeGreaterThan(1);
    expect(result.events.denials.RISK_REDUCING).toBeGreaterThan(0);
    expect(result.events.denials.MAX_DAILY_LOSS).toBeGreaterThan(0);
  });

  it('a tight drawdown limit: the halt that stays', async () => {
    const { result, loop } = await both(slice(Date.UTC(2022, 4, 1), 2000), {
      MAX_DRAWDOWN: '0.02',
      RISK_REDUCE_AT: '1',
      ORDER_FRACTION: '0.5',
      MAX_POSITION_PER_SYMBOL: '0.6',
    });
    expect(loopMismatches(result, loop)).toEqual([]);
    expect(result.events.halts.map((h) => h.code)).toEqual(['MAX_DRAWDOWN']);
    expect(result.events.denials.MAX_DRAWDOWN).toBeGreaterThan(0);
  });

  it('position and exposure limits deny entries', async () => {
    const { result, loop } = await both(slice(Date.UTC(2023, 0, 1), 1500), { ORDER_FRACTION: '0.6' });
    expect(loopMismatches(result, loop)).toEqual([]);
    expect(result.events.denials.MAX_POSITION).toBeGreaterThan(0);
  });

  it('a five-day hole restarts the window on both sides', async () => {
    const cut = { from: Date.UTC(2022, 5, 12), to: Date.UTC(2022, 5, 17) };
    const { result, loop } = await both(slice(Date.UTC(2022, 4, 1), 1500, cut));
    expect(result.holes.count).toBe(1);
    expect(loopMismatches(result, loop)).toEqual([]);
  });

  it('a changed rule shows up as a mismatch (the comparison is not blind)', async () => {
    const candles = slice(Date.UTC(2021, 0, 1), 1500);
    const { result } = await both(candles);
    const config = loadConfig({ LOG_LEVEL: 'silent', KLINE_INTERVAL: '1h', FEE_BPS: '11' });
    const loop = smaCrossLoop(candlesToColumns(candles), config, { start: 99 });
    expect(loopMismatches(result, loop).length).toBeGreaterThan(0);
  });
});
