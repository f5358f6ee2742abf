import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { parseCsv, readReportTable } from '../../src/reports/run-report-reader.js';
import { toCsv } from '../../src/reports/tables.js';
import { type DemoServer, startDemoServer } from '../e2e/demo-server.js';
import { sharedData } from '../helpers/shared-data.js';

interface Run {
  id: string;
  status: string;
  result: { metrics: Record<string, number>; trades: number; report: string } | null;
}
interface Report {
  equity: { time: string; equity: number; buy_and_hold: number | null; drawdown: number }[];
  prices: { time: string; close: number }[];
  fills: { time: string; action: string; price: number }[];
  trades: { pnl: number }[];
  denials: Record<string, number>;
  halts: unknown[];
  metrics: Record<string, number>;
}

describe('backtests from the API: live progress over /ws and the report the dashboard draws', () => {
  let demo: DemoServer;

  beforeAll(async () => {
    demo = await startDemoServer(10);
    // What `conclave data import` would store: the recorded hours before the server's now.
    const now = demo.server.clock.now();
    const candles = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv'))
      .filter((c) => c.closeTime < now)
      .slice(-800);
    await demo.server.runtime.store.candles.upsertMany('binance', 'BTCUSDT', '1h', candles);
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('streams backtest.progress then backtest.finished, and the report matches the run folder', async () => {
    const url = demo.server.url;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    const events: { type: string; data: { id: string; status: string; progress: number } }[] = [];
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { type: string; data: { id: string; status: string; progress: number } };
      if (m.type.startsWith('backtest.')) events.push(m);
    });
    await new Promise((resolve) => ws.once('open', resolve));

    const started = await fetch(`${url}/api/backtests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        symbol: 'BTCUSDT',
        interval: '1h',
        protocol: 'pipeline',
        strategy: 'sma-cross',
        params: { fast: 5, slow: 20 },
      }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as Run;
    await expect.poll(() => events.some((e) => e.type === 'backtest.finished' && e.data.id === id), { timeout: 30_000 }).toBe(true);
    ws.close();
    const mine = events.filter((e) => e.data.id === id);
    expect(mine.filter((e) => e.type === 'backtest.progress').length).toBeGreaterThanOrEqual(3);
    expect(mine.at(-1)).toMatchObject({ type: 'backtest.finished', data: { status: 'completed', progress: 1 } });
    const progress = mine.filter((e) => e.type === 'backtest.progress').map((e) => e.data.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    const run = (await (await fetch(`${url}/api/backtests/${id}`)).json()) as Run;
    expect(run.status).toBe('completed');
    const res = await fetch(`${url}/api/backtests/${id}/report`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as Report;

    // The equity curve is the run folder's equity.csv, and its deepest drawdown is the metric the run computed.
    const equity = (await readReportTable(run.result?.report as string, 'equity')) ?? [];
    expect(report.equity.map((p) => p.equity)).toEqual(equity.map((r) => Number(r.equity)));
    expect(Math.max(...report.equity.map((p) => p.drawdown))).toBeCloseTo(run.result?.metrics.max_drawdown as number, 9);
    expect(report.equity.every((p) => p.buy_and_hold !== null)).toBe(true);
    expect(report.trades.length).toBe(run.result?.trades);
    expect(report.trades.length).toBeGreaterThan(0);
    const orders = (await readReportTable(run.result?.report as string, 'orders')) ?? [];
    expect(report.fills.length).toBe(orders.filter((o) => o.status === 'FILLED').length);
    // Fills sit on the stored candles: the price line covers the traded range.
    expect(report.prices.length).toBeGreaterThan(100);
    expect(Date.parse(report.prices[0].time)).toBeLessThanOrEqual(Date.parse(report.fills[0].time));
    expect(report.halts).toEqual([]);

    expect((await fetch(`${url}/api/backtests/nope/report`)).status).toBe(404);
  });

  it('a queued run has no report yet: 404', async () => {
    await demo.server.runtime.store.backtests.create({ id: 'bt-waiting', userId: 1, params: {}, createdAt: 0 });
    const res = await fetch(`${demo.server.url}/api/backtests/bt-waiting/report`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('no report yet');
  });
});

describe('parseCsv reads what toCsv writes', () => {
  it('quoted cells with commas, quotes and line breaks; empty cells', () => {
    const rows = parseCsv(toCsv({ a: [1, 2], b: ['x, "y"', 'line\nbreak'], c: [null, 'z'] }));
    expect(rows).toEqual([
      { a: '1', b: 'x, "y"', c: '' },
      { a: '2', b: 'line\nbreak', c: 'z' },
    ]);
  });
});
