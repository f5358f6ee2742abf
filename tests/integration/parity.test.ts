import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacktestResult, replayBar, runBacktest, withNextOpenFills } from '../../src/backtest/runner.js';
import { strategyPipeline } from '../../src/backtest/strategy-protocol.js';
import type { Candle } from '../../src/domain/candle.js';
import { AgentRegistry } from '../../src/engine/agent-registry.js';
import { BookKeeper } from '../../src/engine/book-keeper.js';
import { SimClock } from '../../src/engine/clock.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { TradingEngine } from '../../src/engine/trading-engine.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { ReplaySource } from '../../src/market/replay-source.js';
import { openStore, type Store } from '../../src/store/db.js';
import { createStrategy } from '../../src/strategies/registry.js';
import { sharedData } from '../helpers/shared-data.js';

const COSTS = { feeBps: 10, slippageBps: 5 };
const PORTFOLIO = { startingCapital: 10_000, allowShort: false };
const SIZING = { fraction: 0.5, quantityStep: 0.00001, allowShort: false };
const KLINES = 60;

let candles: Candle[];
let store: Store;
let backtest: BacktestResult;

beforeAll(async () => {
  const all = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'));
  const start = all.findIndex((c) => c.openTime >= Date.UTC(2024, 2, 1));
  candles = all.slice(start, start + 700);
  store = await openStore({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'parity-')), 'conclave.db') });
  backtest = await runBacktest({
    source: new ReplaySource({ series: [{ symbol: 'BTCUSDT', interval: '1h', candles }], warmupBars: KLINES }),
    symbols: ['BTCUSDT'],
    interval: '1h',
    strategy: 'sma-cross',
    protocol: strategyPipeline(createStrategy('sma-cross')),
    costs: COSTS,
    portfolio: PORTFOLIO,
    sizing: SIZING,
    klineLimit: KLINES,
  });
});
afterAll(async () => {
  await store.close();
});

/**
 * Paper trading over the same replay: the embedded Scheduler ticks the engine one candle at a time (2 s after
 * each close, as in production), the real SQLite store saves every cycle, and the book is reloaded from the
 * store before every cycle (shared mode), so persistence sits in the loop.
 */
async function paperSession(): Promise<void> {
  const source = new ReplaySource({ series: [{ symbol: 'BTCUSDT', interval: '1h', candles }], warmupBars: KLINES });
  const clock = new SimClock(source.now());
  const broker = new PaperBroker(COSTS);
  const books = new BookKeeper(PORTFOLIO, (userId) => store.portfolio.loadBook(userId, PORTFOLIO.startingCapital), { shared: true });
  const kit = { source, broker, interval: '1h' as const, klineLimit: KLINES, sizing: SIZING, rules: [], now: () => clock.now() };
  const protocol = withNextOpenFills(strategyPipeline(createStrategy('sma-cross'))(kit), broker, replayBar(source, '1h'));
  const engine = new TradingEngine({ clock, store: store.cycles, books, protocol, registry: new AgentRegistry() });
  const scheduler = new Scheduler({
    clock,
    engine,
    symbols: async () => ['BTCUSDT'],
    state: store.agents,
    closeDelayMs: 2_000,
    timers: { set: () => null, clear: () => {} },
  });
  await scheduler.start(1, '1h');
  for (;;) {
    const close = source.now();
    clock.set(close + 1 + 2_000);
    await scheduler.tick();
    if (!source.advance()) break;
  }
  await scheduler.close();
}

describe('parity: paper trading over a replay == backtest over the same candles', () => {
  it('identical orders, fills and final equity', async () => {
    await paperSession();
    expect(backtest.fills.length).toBeGreaterThan(5);

    const stored = (await store.trades.recent(1, 100)).reverse();
    const orders = backtest.orders.slice(-100);
    expect(orders.length).toBe(100);
    // Order ids are ORD-<clock date>-<cycle>-<n>; the paper clock runs 2 s after the close, so around
    // midnight the date part differs by a day. Cycle number and index must match exactly.
    const id = (orderId: string | null) => orderId?.replace(/^ORD-\d{8}-/, 'ORD-');
    expect(stored.map((t) => [id(t.orderId), t.action, t.status, t.quantity, t.price, t.executionPrice, t.fee, t.reason])).toEqual(
      orders.map((o) => [id(o.orderId), o.action, o.status, o.quantity, o.price, o.executionPrice, o.fee, o.reason]),
    );
    const paperFills = stored.filter((t) => t.status === 'FILLED');
    const btFills = backtest.fills.slice(-paperFills.length);
    expect(paperFills.map((t) => [t.executionPrice, t.quantity, t.fee])).toEqual(btFills.map((f) => [f.executionPrice, f.quantity, f.fee]));

    const curve = await store.portfolio.equityCurve(1, { limit: 100_000 });
    expect(curve.length).toBe(backtest.equity.length);
    // Same equity after every candle (the paper clock runs 2 s after the close, the backtest at the close).
    expect(curve.map((p) => p.equity)).toEqual(backtest.equity.map((e) => e.equity));
    expect(curve.map((p) => p.time - 2_001)).toEqual(backtest.equity.map((e) => e.time));

    const book = await store.portfolio.loadBook(1, PORTFOLIO.startingCapital);
    const last = candles[candles.length - 1].close;
    const paperFinal = book.cash + book.positions.reduce((a, p) => a + p.quantity * last, 0);
    expect(paperFinal).toBeCloseTo(backtest.metrics.final_equity, 6);
    expect(curve[curve.length - 1].equity).toBe(backtest.metrics.final_equity);
  });
});
