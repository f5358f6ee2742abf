import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Action } from '../../src/domain/action.js';
import { intervalMs } from '../../src/domain/candle.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

interface Perf {
  trades: Array<{
    symbol: string;
    side: string;
    entry_price: number;
    exit_price: number;
    net_pnl: number;
    fees: number;
    exit_reason: string;
  }>;
  summary: { trades: number; win_rate: number | null; net_pnl: number; max_drawdown: number };
  by_symbol: Array<{ symbol: string; trades: number }>;
  daily: Array<{ day: string; pnl: number; trades: number }>;
}
interface Feeds {
  feeds: Array<{ venue: string; state: string; consecutive_failures: number; last_error_code: string | null }>;
}

/** GET /api/performance pairs the account's fills into trades; GET /api/feeds and /ws `feed` follow the venue. */
describe('performance and feed state through the real server', () => {
  let fake: RunningFake;
  let server: TestServer;
  const model = new ScriptedModel();

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT'], intervals: ['1h'] });
    fake.control.advance(-20);
    server = await startTestServer({ BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h' }, { now: fake.control.now(), model });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const step = async (action: Action) => {
    fake.control.advance(1);
    server.clock.advance(intervalMs('1h'));
    model.next = action;
    return fetch(`${server.url}/trading/run-cycle?symbol=BTCUSDT`, { method: 'POST' });
  };
  const json = async <T>(path: string) => (await (await fetch(server.url + path)).json()) as T;

  it('lists each closed round trip with the same figures as the fills, and sums them', async () => {
    expect((await json<Perf>('/api/performance')).summary.trades).toBe(0);
    for (const a of ['BUY', 'HOLD', 'SELL', 'BUY', 'SELL', 'BUY'] as const) expect((await step(a)).status).toBe(200);
    const fills = (
      await json<Array<{ action: string; execution_price: number; fee: number; quantity: number; status: string }>>(
        '/trading/trades?limit=100',
      )
    )
      .filter((t) => t.status === 'FILLED')
      .reverse();
    expect(fills.map((f) => f.action)).toEqual(['BUY', 'SELL', 'BUY', 'SELL', 'BUY']);

    const perf = await json<Perf>('/api/performance');
    // Two closed trades (the last BUY is still open), newest exit first.
    expect(perf.trades).toHaveLength(2);
    const [second, first] = perf.trades;
    expect(first.entry_price).toBe(fills[0].execution_price);
    expect(first.exit_price).toBe(fills[1].execution_price);
    expect(first.fees).toBeCloseTo(fills[0].fee + fills[1].fee, 9);
    const q = fills[0].quantity;
    expect(first.net_pnl).toBeCloseTo(q * (fills[1].execution_price - fills[0].execution_price) - fills[0].fee - fills[1].fee, 6);
    expect(second.entry_price).toBe(fills[2].execution_price);
    expect(first).toMatchObject({ symbol: 'BTCUSDT', side: 'LONG', exit_reason: 'SIGNAL' });
    expect(perf.summary.trades).toBe(2);
    expect(perf.summary.net_pnl).toBeCloseTo(first.net_pnl + second.net_pnl, 9);
    expect(perf.by_symbol).toMatchObject([{ symbol: 'BTCUSDT', trades: 2 }]);
    expect(perf.daily.reduce((s, d) => s + d.trades, 0)).toBe(2);
    expect(perf.summary.max_drawdown).toBeGreaterThanOrEqual(0);

    expect((await json<Perf>('/api/performance?limit=1')).trades).toEqual([second]);
    expect((await fetch(`${server.url}/api/performance?limit=0`)).status).toBe(422);
  });

  it('turns the venue down at the first cycle that cannot read it, says so on /ws, and polling again after', async () => {
    expect((await step('HOLD')).status).toBe(200);
    expect((await json<Feeds>('/api/feeds')).feeds).toMatchObject([{ venue: 'binance', state: 'polling', consecutive_failures: 0 }]);

    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    const feedMessages: Array<{ state: string; venue: string }> = [];
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string; data: { state: string; venue: string } };
      if (m.type === 'feed') feedMessages.push(m.data);
    });
    await new Promise((resolve) => ws.once('open', resolve));

    fake.control.failNext(1000, 502);
    expect((await step('HOLD')).status).toBe(503);
    expect((await json<Feeds>('/api/feeds')).feeds).toMatchObject([
      { venue: 'binance', state: 'down', consecutive_failures: 1, last_error_code: 'MARKET_DATA_UNAVAILABLE' },
    ]);
    await expect.poll(() => feedMessages.map((m) => m.state)).toEqual(['down']);

    fake.control.reset();
    expect((await step('HOLD')).status).toBe(200);
    await expect.poll(() => feedMessages.map((m) => m.state)).toEqual(['down', 'polling']);
    ws.close();
  });
});
