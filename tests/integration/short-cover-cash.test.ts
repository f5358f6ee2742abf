import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_USER_ID } from '../../src/engine/trading-engine.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import { startTestServer, type TestServer } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

describe('ALLOW_SHORT: covering a short the cash cannot pay for is a REJECTED cycle (issue 11, finding 13)', () => {
  let fake: RunningFake;
  let server: TestServer;
  const model = new ScriptedModel();
  const cycle = async (symbol: string, action: 'BUY' | 'SELL') => {
    model.next = action;
    const res = await fetch(`${server.url}/trading/run-cycle?symbol=${symbol}`, { method: 'POST' });
    return { status: res.status, body: (await res.json()) as { execution: { status: string; reason: string | null } } };
  };

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    server = await startTestServer(
      {
        BINANCE_BASE_URL: fake.url,
        KLINE_INTERVAL: '1h',
        ALLOW_SHORT: 'true',
        ORDER_FRACTION: '1',
        MAX_EXPOSURE: '10',
        MAX_POSITION_PER_SYMBOL: '10',
        MAX_ENTRIES_PER_POSITION: '2',
      },
      { now: fake.control.now(), model },
    );
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('short BTC, spend the proceeds on ETH, then BUY BTC: 200 REJECTED INSUFFICIENT_CASH, nothing filled', async () => {
    expect((await cycle('BTCUSDT', 'SELL')).body.execution.status).toBe('FILLED');
    expect((await cycle('ETHUSDT', 'BUY')).body.execution.status).toBe('FILLED');
    expect((await cycle('ETHUSDT', 'BUY')).body.execution.status).toBe('FILLED');
    const btcHeld = async () => {
      const book = await server.runtime.store.portfolio.loadBook(LOCAL_USER_ID, 10_000);
      return { cash: book.cash, btc: book.positions.find((p) => p.symbol === 'BTCUSDT')?.quantity ?? 0 };
    };
    const book = await btcHeld();
    const shortQty = -book.btc;
    expect(shortQty).toBeGreaterThan(0);
    const btcPrice = fake.control.book.mainSeries('BTCUSDT').cols.close.at(-1)!;
    expect(book.cash).toBeLessThan(shortQty * btcPrice);

    const filled = async () =>
      ((await (await fetch(`${server.url}/trading/trades?limit=100`)).json()) as Array<{ status: string }>).filter(
        (t) => t.status === 'FILLED',
      ).length;
    const filledBefore = await filled();
    expect(filledBefore).toBe(3);
    const cover = await cycle('BTCUSDT', 'BUY');
    expect(cover.status).toBe(200);
    expect(cover.body.execution.status).toBe('REJECTED');
    expect(cover.body.execution.reason).toMatch(/^INSUFFICIENT_CASH: covering the .* BTCUSDT short/);
    expect(await filled()).toBe(filledBefore);
    expect(await btcHeld()).toEqual(book);
  });
});
