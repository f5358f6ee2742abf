import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LOCAL_USER_ID } from '../../src/store/user.repository.js';
import { startFakeBinance } from '../fakes/fake-binance.js';
import type { RunningFake } from '../fakes/fake-server.js';
import type { Tamper } from '../fakes/fault-switches.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';
import { sharedData } from '../helpers/shared-data.js';

/** A Binance kline row as the fake serves it: [openTime, "open", "high", "low", "close", "volume", closeTime, ...]. */
type Row = [number, string, string, string, string, string, number, ...unknown[]];

/** Rewrites the row `back` places from the newest (1 = newest) of every klines answer. */
const editRow =
  (back: number, edit: (row: Row, rows: Row[]) => void): Tamper =>
  (body) => {
    const rows = (body as Row[]).map((r) => [...r] as Row);
    if (rows.length >= back) edit(rows[rows.length - back], rows);
    return rows;
  };

/** Hostile kline answers from issue 11 finding 12, with the reason the guard must give. */
const HOSTILE_KLINES: ReadonlyArray<{ name: string; tamper: Tamper; code: string; reason?: string; status: number }> = [
  {
    name: 'out-of-order rows',
    tamper: (body) => {
      const rows = [...(body as Row[])];
      [rows[rows.length - 3], rows[rows.length - 2]] = [rows[rows.length - 2], rows[rows.length - 3]];
      return rows;
    },
    code: 'MARKET_DATA_INVALID',
    reason: 'NOT_INCREASING',
    status: 502,
  },
  {
    name: 'a duplicated row',
    tamper: (body) => {
      const rows = [...(body as Row[])];
      rows[rows.length - 2] = rows[rows.length - 3];
      return rows;
    },
    code: 'MARKET_DATA_INVALID',
    reason: 'NOT_INCREASING',
    status: 502,
  },
  {
    name: 'zero-price candles',
    tamper: editRow(5, (r) => {
      r[1] = '0';
      r[2] = '0';
      r[3] = '0';
      r[4] = '0';
    }),
    code: 'MARKET_DATA_INVALID',
    reason: 'NOT_A_PRICE',
    status: 502,
  },
  {
    name: 'a negative low',
    tamper: editRow(5, (r) => {
      r[3] = '-1';
    }),
    code: 'MARKET_DATA_INVALID',
    reason: 'NOT_A_PRICE',
    status: 502,
  },
  {
    name: 'a high of 1e308',
    tamper: editRow(5, (r) => {
      r[2] = '1e308';
    }),
    code: 'MARKET_DATA_INVALID',
    reason: 'PRICE_MAGNITUDE',
    status: 502,
  },
  {
    name: 'high below low',
    tamper: editRow(5, (r) => {
      [r[2], r[3]] = [r[3], r[2]];
    }),
    code: 'MARKET_DATA_INVALID',
    reason: 'HIGH_BELOW_LOW',
    status: 502,
  },
  {
    name: 'a one-candle spike of +50 % that reverts',
    tamper: editRow(5, (r) => {
      const spiked = String(Number(r[4]) * 1.5);
      r[2] = spiked;
      r[4] = spiked;
    }),
    code: 'MARKET_DATA_INVALID',
    reason: 'SPIKE',
    status: 502,
  },
  { name: 'an empty list', tamper: () => [], code: 'MARKET_DATA_INVALID', reason: 'EMPTY', status: 502 },
  { name: 'a single candle', tamper: (body) => (body as Row[]).slice(-1), code: 'INSUFFICIENT_DATA', status: 422 },
  {
    name: 'a newest candle stamped in the year 2100',
    tamper: editRow(1, (r) => {
      r[0] = Date.UTC(2100, 0, 1);
      r[6] = Date.UTC(2100, 0, 1) + 3_600_000 - 1;
    }),
    code: 'MARKET_DATA_INVALID',
    reason: 'FUTURE',
    status: 502,
  },
];

describe('market-data guards through the real server and a hostile fake Binance (issue 11, findings 6 and 12)', () => {
  let fake: RunningFake;
  let server: PlatformServer;
  const model = new ScriptedModel();
  let lastClose: number;
  let ethPrice: number;

  const api = (method: string, path: string, body?: unknown) => call(server.url, method, path, body === undefined ? {} : { body });
  /** Everything a cycle or a refresh could write. */
  const stored = async () => {
    const s = server.runtime.store;
    return {
      decisions: (await api('GET', '/api/decisions?symbol=BTCUSDT&limit=100')).body.total,
      cycles: await s.cycles.countByStatus(),
      snapshots: (await s.snapshots.range(LOCAL_USER_ID, 'BTCUSDT', 0, Date.UTC(2200, 0, 1), 1000)).length,
      candles: await s.candles.count('binance', 'BTCUSDT', '1h'),
      trades: (await api('GET', '/trading/trades?limit=100')).body.length,
    };
  };
  const portfolio = async () => {
    const res = await api('GET', '/api/portfolio');
    expect(res.status).toBe(200);
    expect(Number.isFinite(res.body.equity)).toBe(true);
    expect(Number.isFinite(res.body.cash)).toBe(true);
    return res.body as { equity: number; cash: number; positions: unknown[] };
  };
  const rejections = async (reason: string) => {
    const text = (await api('GET', '/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`conclave_market_data_rejections_total{venue="binance",reason="${reason}"}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    fake = await startFakeBinance({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'] });
    server = await startPlatformServer(
      { BINANCE_BASE_URL: fake.url, KLINE_INTERVAL: '1h', MARKET_CACHE_TTL_MS: '0', HTTP_TIMEOUT_MS: '2000', HTTP_RETRIES: '0' },
      { now: fake.control.now(), model },
    );
    lastClose = fake.control.book.mainSeries('BTCUSDT').cols.close.at(-1)!;
    ethPrice = fake.control.book.mainSeries('ETHUSDT').cols.close.at(-1)!;
    expect(ethPrice / lastClose).toBeLessThan(0.5);
    // A position to protect: one honest BUY first.
    model.next = 'BUY';
    const first = await api('POST', '/trading/run-cycle?symbol=BTCUSDT');
    expect(first.status).toBe(200);
    expect(first.body.execution.status).toBe('FILLED');
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.control.reset();
    model.next = 'BUY';
  });

  describe('a bad ticker never becomes a trade (finding 6)', () => {
    const tickers: ReadonlyArray<{ name: string; body: () => unknown; reason: string }> = [
      { name: '1e-300', body: () => ({ symbol: 'BTCUSDT', price: '1e-300' }), reason: 'PRICE_MAGNITUDE' },
      { name: 'a negative price', body: () => ({ symbol: 'BTCUSDT', price: '-93000.5' }), reason: 'NOT_A_PRICE' },
      { name: '"0"', body: () => ({ symbol: 'BTCUSDT', price: '0' }), reason: 'NOT_A_PRICE' },
      { name: "another symbol's ticker", body: () => ({ symbol: 'ETHUSDT', price: String(ethPrice) }), reason: 'SYMBOL_MISMATCH' },
      { name: 'x1000 the last close', body: () => ({ symbol: 'BTCUSDT', price: String(lastClose * 1000) }), reason: 'PRICE_JUMP' },
    ];
    for (const t of tickers) {
      it(`${t.name}: run-cycle 502 MARKET_DATA_INVALID (${t.reason}), no fill, book intact, counted in /metrics`, async () => {
        const before = await stored();
        const book = await portfolio();
        const counted = await rejections(t.reason);
        fake.control.tamper('/api/v3/ticker/price', () => t.body());
        const res = await api('POST', '/trading/run-cycle?symbol=BTCUSDT');
        expect(res.status).toBe(502);
        expect(res.body.error.code).toBe('MARKET_DATA_INVALID');
        expect(res.body.error.details.reason).toBe(t.reason);
        const latest = await api('GET', '/trading/market/latest?symbol=BTCUSDT');
        expect([latest.status, latest.body.error?.details?.reason]).toEqual([502, t.reason]);
        expect(await stored()).toEqual(before);
        expect(await portfolio()).toEqual(book);
        expect(await rejections(t.reason)).toBeGreaterThan(counted);
        fake.control.reset();
        // The next honest cycle trades at the honest price.
        const next = await api('POST', '/trading/run-cycle?symbol=BTCUSDT');
        expect(next.status).toBe(200);
        expect(next.body.market_data.price).toBe(lastClose);
        await portfolio();
      });
    }
  });

  it('x1000: halts BTCUSDT on binance (metric, /ws event) until a sane price comes back', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    const messages: Array<{ type: string; data: Record<string, unknown> }> = [];
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const halted = async () => {
      const text = (await api('GET', '/metrics')).body as string;
      const line = text.split('\n').find((l) => l.startsWith('conclave_market_halted{venue="binance",symbol="BTCUSDT"}'));
      return line ? Number(line.split(' ').at(-1)) : null;
    };
    try {
      fake.control.tamper('/api/v3/ticker/price', (body, url) =>
        url.searchParams.get('symbol') === 'BTCUSDT' ? { symbol: 'BTCUSDT', price: String(lastClose * 1000) } : body,
      );
      expect((await api('POST', '/trading/run-cycle?symbol=BTCUSDT')).status).toBe(502);
      expect(server.runtime.marketHalts.isHalted('binance', 'BTCUSDT')).toBe(true);
      expect(await halted()).toBe(1);
      // Halted: candles of the symbol are not served either while the price stays wrong.
      const candles = await api('GET', '/api/candles?symbol=BTCUSDT&limit=10');
      expect([candles.status, candles.body.error.details.reason]).toEqual([502, 'PRICE_JUMP']);
      // ETHUSDT is not affected.
      expect((await api('GET', '/trading/market/latest?symbol=ETHUSDT')).status).toBe(200);

      fake.control.reset();
      expect((await api('GET', '/api/candles?symbol=BTCUSDT&limit=10')).status).toBe(200);
      expect(server.runtime.marketHalts.isHalted('binance', 'BTCUSDT')).toBe(false);
      expect(await halted()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const events = messages.filter((m) => m.type === 'market_halt').map((m) => m.data);
      expect(events).toEqual([
        expect.objectContaining({
          venue: 'binance',
          symbol: 'BTCUSDT',
          halted: true,
          reason: 'PRICE_JUMP',
          price: lastClose * 1000,
          reference: lastClose,
        }),
        expect.objectContaining({ venue: 'binance', symbol: 'BTCUSDT', halted: false, price: lastClose }),
      ]);
    } finally {
      ws.close();
    }
  });

  describe('hostile klines answer the same error on every route and store nothing (finding 12)', () => {
    for (const k of HOSTILE_KLINES) {
      it(`${k.name}: ${k.status} ${k.code}${k.reason ? ` (${k.reason})` : ''}`, async () => {
        const before = await stored();
        const book = await portfolio();
        fake.control.tamper('/api/v3/klines', k.tamper);
        const answers = [
          await api('POST', '/trading/run-cycle?symbol=BTCUSDT'),
          await api('GET', '/trading/market/latest?symbol=BTCUSDT'),
          await api('GET', '/api/candles?symbol=BTCUSDT&limit=120'),
          await api('GET', '/api/regime?symbol=BTCUSDT'),
          await api('POST', '/api/decisions', { symbol: 'BTCUSDT' }),
        ];
        for (const [i, res] of answers.entries()) {
          expect(res.status, `route ${i}: ${JSON.stringify(res.body)}`).toBe(k.status);
          expect(res.body.error.code).toBe(k.code);
          if (k.reason) expect(res.body.error.details.reason).toBe(k.reason);
        }
        const refresh = await api('POST', '/api/market-data/refresh', { symbols: ['BTCUSDT'] });
        expect(refresh.status).toBe(200);
        expect(refresh.body).toEqual([{ symbol: 'BTCUSDT', ok: false, error: expect.objectContaining({ code: k.code }) }]);
        expect(await stored()).toEqual(before);
        expect(await portfolio()).toEqual(book);
      });
    }
  });

  it('a real move past MAX_PRICE_JUMP that holds halts only while it is the newest candle', async () => {
    // The newest closed candle drops 30 % and stays: refused while it is the newest...
    const drop: Tamper = (body) => {
      const rows = (body as Row[]).map((r) => [...r] as Row);
      const last = rows[rows.length - 1];
      for (const i of [1, 2, 3, 4] as const) last[i] = String(Number(last[i]) * 0.7);
      return rows;
    };
    fake.control.tamper('/api/v3/klines', drop);
    fake.control.tamper('/api/v3/ticker/price', (b) => ({ ...(b as object), price: String(lastClose * 0.7) }));
    const res = await api('GET', '/api/candles?symbol=BTCUSDT&limit=50');
    expect([res.status, res.body.error.details.reason]).toEqual([502, 'PRICE_JUMP']);
    // ...and accepted once a later candle at the new level closes after it (no reversal: not a spike).
    fake.control.tamper('/api/v3/klines', (body) => {
      const rows = (body as Row[]).map((r) => [...r] as Row);
      for (const row of rows.slice(-2)) for (const i of [1, 2, 3, 4] as const) row[i] = String(Number(row[i]) * 0.7);
      return rows;
    });
    fake.control.tamper('/api/v3/ticker/price', (b) => ({ ...(b as object), price: String(lastClose * 0.7) }));
    const later = await api('GET', '/trading/market/latest?symbol=BTCUSDT');
    expect(later.status).toBe(200);
    expect(later.body.price).toBeCloseTo(lastClose * 0.7, 6);
  });
});

describe('sane real data passes the guard', () => {
  it('every 120-candle window of BTC, ETH, SOL and BNB 1h since 2022 passes the jump guard at the default 20 %', async () => {
    const { checkCandleJumps, checkCandles } = await import('../../src/market/data-guard.js');
    const { readCandlesCsv } = await import('../../src/market/csv-candles.js');
    for (const symbol of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT']) {
      const candles = readCandlesCsv(sharedData('klines', `${symbol}_1h.csv`));
      checkCandles(candles, { venue: 'binance', symbol, now: candles.at(-1)!.closeTime, requireNonEmpty: true });
      for (let end = 120; end <= candles.length; end += 7) {
        checkCandleJumps(candles.slice(end - 120, end), 0.2, { venue: 'binance', symbol });
      }
    }
  });
});
