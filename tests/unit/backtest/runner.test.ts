import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/backtest/runner.js';
import type { Candle } from '../../../src/domain/candle.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { sharedData } from '../../helpers/shared-data.js';
import { toySpec } from './toy-protocol.js';

let candles: Candle[];
beforeAll(() => {
  // 2024-01 of real BTCUSDT 1h: contiguous, enough bars for the toy rule to trade.
  const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const start = all.findIndex((c) => c.openTime >= Date.UTC(2024, 0, 1));
  candles = all.slice(start, start + 400);
});

describe('runBacktest: the engine over a replay', () => {
  it('a decision on candle N fills at candle N+1 open with slippage and fee', async () => {
    const r = await runBacktest(toySpec(candles));
    expect(r.fills.length).toBeGreaterThan(4);
    const byOpen = new Map(candles.map((c) => [c.openTime, c]));
    for (const f of r.fills) {
      const bar = byOpen.get(f.time);
      expect(bar, 'fill time is a candle open time').toBeDefined();
      expect(f.price).toBe(bar!.open);
      expect(f.executionPrice).toBeCloseTo(f.side === 'BUY' ? bar!.open * 1.0005 : bar!.open * 0.9995, 8);
      expect(f.fee).toBeCloseTo(f.quantity * f.executionPrice * 0.001, 10);
      // The decision behind it was taken on the previous candle's close.
      const decision = r.decisions.find((d) => d.time === f.time - 1);
      expect(decision?.decision.action).toBe(f.side);
    }
  });

  it('final equity = cash + positions at the last close, and matches the last equity point', async () => {
    const r = await runBacktest(toySpec(candles));
    const last = r.equity[r.equity.length - 1];
    expect(r.metrics.final_equity).toBe(last.equity);
    let qty = 0;
    let cash = 10_000;
    for (const f of r.fills) {
      qty += f.side === 'BUY' ? f.quantity : -f.quantity;
      cash += (f.side === 'BUY' ? -1 : 1) * f.quantity * f.executionPrice - f.fee;
    }
    expect(last.equity).toBeCloseTo(cash + qty * candles[candles.length - 1].close, 6);
  });

  it('buy-and-hold benchmark buys at the open after the first cycle and marks at the last close', async () => {
    const r = await runBacktest(toySpec(candles));
    const firstCycle = r.from;
    const entry = candles.find((c) => c.openTime > firstCycle)!;
    const exec = entry.open * 1.0005;
    const qty = 10_000 / (exec * 1.001);
    expect(r.benchmark.final_equity).toBeCloseTo(qty * candles[candles.length - 1].close, 6);
  });
});

describe('no look-ahead', () => {
  it('changing candle N+1 and later cannot change any decision, fill or equity point at or before N', async () => {
    const base = await runBacktest(toySpec(candles));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 70, max: candles.length - 3 }),
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        async (n, factor) => {
          const changed = candles.map((c, i) =>
            i <= n
              ? c
              : {
                  ...c,
                  open: c.open * factor,
                  high: c.high * factor * 1.01,
                  low: c.low * factor * 0.99,
                  close: c.close * factor,
                  volume: c.volume * 2,
                },
          );
          const r = await runBacktest(toySpec(changed));
          const cutoff = candles[n].closeTime;
          const upTo = <T extends { time: number }>(xs: readonly T[]) => xs.filter((x) => x.time <= cutoff);
          expect(upTo(r.decisions)).toEqual(upTo(base.decisions));
          expect(upTo(r.fills)).toEqual(upTo(base.fills));
          expect(upTo(r.equity)).toEqual(upTo(base.equity));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('the test can fail: the fill after a decision on N does move with candle N+1', async () => {
    const base = await runBacktest(toySpec(candles));
    const f = base.fills[0];
    const n = candles.findIndex((c) => c.openTime === f.time) - 1;
    const changed = candles.map((c, i) => (i === n + 1 ? { ...c, open: c.open * 1.01 } : c));
    const r = await runBacktest(toySpec(changed));
    expect(r.fills[0].price).toBeCloseTo(f.price * 1.01, 8);
  });
});
