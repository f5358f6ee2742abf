import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/engine/clock.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { testConfig } from '../helpers/runtime.js';
import { ScriptedModel } from '../helpers/scripted-model.js';

/**
 * Issue 11, finding 14: two API processes on one PostgreSQL without Redis spent 19,999.59 USDT of a 10,000
 * account. Here two runtimes (separate stores, pools and book keepers, as two processes have) hammer one account
 * with concurrent BUY cycles; the account lock in PostgreSQL keeps the total spent within the cash.
 */
const pgUrl = process.env.TEST_DATABASE_URL;
const NOW = Date.UTC(2026, 0, 5, 12);

describe.skipIf(!pgUrl)('one account, two processes, one PostgreSQL, no Redis', () => {
  const schema = `conclave_lock_${randomBytes(5).toString('hex')}`;
  const url = `${pgUrl}${pgUrl?.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`create schema "${schema}"`);
    await client.end();
    // Every cycle a BUY of 60 % of equity: two that both see the full cash would spend 120 % of it.
    const env = {
      DATABASE_URL: url,
      MARKET_SOURCE: 'synthetic',
      KLINE_INTERVAL: '1h',
      ORDER_FRACTION: '0.6',
      MAX_EXPOSURE: '10',
      MAX_POSITION_PER_SYMBOL: '10',
      MAX_ORDERS_PER_MINUTE: '10000',
      MAX_ENTRIES_PER_POSITION: '100',
    };
    for (let i = 0; i < 2; i++) {
      const model = new ScriptedModel();
      model.next = 'BUY';
      runtimes.push(await createRuntime(testConfig(env), pino({ level: 'silent' }), { clock: new SimClock(NOW), model }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    if (!pgUrl) return;
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('never spends more than the cash, whichever process fills', async () => {
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'];
    await Promise.allSettled(runtimes.flatMap((r) => Array.from({ length: 12 }, (_, i) => r.engine.runCycle(symbols[i % symbols.length]))));
    const trades = await runtimes[0].store.trades.recent(1, 100);
    const buys = trades.filter((t) => t.status === 'FILLED' && t.action === 'BUY');
    expect(buys.length).toBeGreaterThan(0);
    const spent = buys.reduce((sum, t) => sum + t.quantity * (t.executionPrice ?? t.price) + t.fee, 0);
    const capital = runtimes[0].config.STARTING_CAPITAL;
    expect(spent).toBeLessThanOrEqual(capital + 1e-6);
    const book = await runtimes[1].store.portfolio.loadBook(1, capital);
    expect(book.cash).toBeGreaterThanOrEqual(-1e-6);
    expect(book.cash + spent).toBeCloseTo(capital, 4);
  }, 120_000);
});
