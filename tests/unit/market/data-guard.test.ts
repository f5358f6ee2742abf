import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candle, Interval } from '../../../src/domain/candle.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import { readCandlesCsv } from '../../../src/market/csv-candles.js';
import { checkCandleJumps, checkCandles, checkPrice, checkTickerSymbol, FUTURE_TOLERANCE_MS } from '../../../src/market/data-guard.js';
import { GuardedMarketDataSource } from '../../../src/market/guarded-source.js';
import { type MarketHaltEvent, MarketHalts } from '../../../src/market/market-halts.js';
import type { KlineRangeQuery, MarketDataSource, Ticker24h } from '../../../src/market/port.js';
import { sharedData } from '../../helpers/shared-data.js';

const H = 3_600_000;
const ctx = { venue: 'binance', symbol: 'BTCUSDT' };

/** An hourly candle opening at hour `i`, flat at `close` unless told otherwise. */
function bar(i: number, close: number, over: Partial<Candle> = {}): Candle {
  return { openTime: i * H, open: close, high: close, low: close, close, volume: 1, closeTime: (i + 1) * H - 1, ...over };
}

function reasonOf(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    if (isConclaveError(error, 'MARKET_DATA_INVALID')) return String(error.details?.reason);
    if (isConclaveError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('checkPrice and checkTickerSymbol', () => {
  it('accepts the bounds 1e-12 and 1e12, refuses zero, negatives, non-finite and beyond the bounds', () => {
    for (const ok of [1e-12, 0.00000123, 93_576.01, 1.6e9, 1e12]) expect(reasonOf(() => checkPrice(ok, ctx))).toBeUndefined();
    expect(reasonOf(() => checkPrice(0, ctx))).toBe('NOT_A_PRICE');
    expect(reasonOf(() => checkPrice(-1, ctx))).toBe('NOT_A_PRICE');
    expect(reasonOf(() => checkPrice(Number.NaN, ctx))).toBe('NOT_A_PRICE');
    expect(reasonOf(() => checkPrice(Number.POSITIVE_INFINITY, ctx))).toBe('NOT_A_PRICE');
    expect(reasonOf(() => checkPrice(1e-300, ctx))).toBe('PRICE_MAGNITUDE');
    expect(reasonOf(() => checkPrice(1.01e12, ctx))).toBe('PRICE_MAGNITUDE');
  });
  it('a ticker about another symbol (or none) is SYMBOL_MISMATCH; case does not matter', () => {
    expect(reasonOf(() => checkTickerSymbol('btcusdt', ctx))).toBeUndefined();
    expect(reasonOf(() => checkTickerSymbol('ETHUSDT', ctx))).toBe('SYMBOL_MISMATCH');
    expect(reasonOf(() => checkTickerSymbol(undefined, ctx))).toBe('SYMBOL_MISMATCH');
  });
});

describe('checkCandles', () => {
  const now = 10 * H;
  const good = [bar(1, 100), bar(2, 101, { high: 102, low: 99 }), bar(3, 100)];
  const check = (candles: Candle[], extra: Partial<Parameters<typeof checkCandles>[1]> = {}) =>
    reasonOf(() => checkCandles(candles, { ...ctx, now, requireNonEmpty: true, ...extra }));

  it('passes consistent candles and names the first problem otherwise', () => {
    expect(check(good)).toBeUndefined();
    expect(check([])).toBe('EMPTY');
    expect(check([], { requireNonEmpty: false })).toBeUndefined();
    expect(check([bar(1, 100, { high: 98, low: 99 })])).toBe('HIGH_BELOW_LOW');
    expect(check([bar(1, 100, { high: 101, low: 99, close: 101.5 })])).toBe('OUTSIDE_HIGH_LOW');
    expect(check([bar(1, 100, { high: 101, low: 99, open: 98 })])).toBe('OUTSIDE_HIGH_LOW');
    expect(check([bar(1, 100, { volume: -1 })])).toBe('BAD_VOLUME');
    expect(check([bar(1, 100, { volume: Number.NaN })])).toBe('BAD_VOLUME');
    expect(check([bar(1, 100, { closeTime: H })])).toBe('BAD_TIMES');
    expect(check([bar(2, 100), bar(1, 100)])).toBe('NOT_INCREASING');
    expect(check([bar(1, 100), bar(1, 100)])).toBe('NOT_INCREASING');
    expect(check([bar(1, 100, { low: 0 })])).toBe('NOT_A_PRICE');
  });
  it('refuses candles outside the asked range and candles opening after now + the tolerance', () => {
    expect(check(good, { range: { startTime: H, endTime: 3 * H } })).toBeUndefined();
    expect(check(good, { range: { startTime: 2 * H } })).toBe('OUTSIDE_RANGE');
    expect(check(good, { range: { startTime: H, endTime: 2 * H } })).toBe('OUTSIDE_RANGE');
    expect(check([bar(3, 100)], { now: 3 * H - FUTURE_TOLERANCE_MS })).toBeUndefined();
    expect(check([bar(3, 100)], { now: 3 * H - FUTURE_TOLERANCE_MS - 1 })).toBe('FUTURE');
  });

  it('refuses any one corrupted field in a window of real candles (property, seeded)', () => {
    const real = readCandlesCsv(sharedData('klines', 'ETHUSDT_1h.csv')).slice(-2000);
    const corruptions = {
      zero: (c: Candle) => ({ ...c, close: 0 }),
      negative: (c: Candle) => ({ ...c, low: -c.low }),
      huge: (c: Candle) => ({ ...c, high: 1e308 }),
      tiny: (c: Candle) => ({ ...c, open: 1e-300 }),
      nan: (c: Candle) => ({ ...c, close: Number.NaN }),
      inverted: (c: Candle) => ({ ...c, high: c.low * 0.99 }),
      future: (c: Candle) => ({ ...c, openTime: Date.UTC(2100, 0, 1), closeTime: Date.UTC(2100, 0, 1) + H - 1 }),
    } as const;
    const expected: Record<keyof typeof corruptions, readonly string[]> = {
      zero: ['NOT_A_PRICE'],
      negative: ['NOT_A_PRICE'],
      huge: ['PRICE_MAGNITUDE'],
      tiny: ['PRICE_MAGNITUDE'],
      nan: ['NOT_A_PRICE'],
      inverted: ['HIGH_BELOW_LOW'],
      future: ['FUTURE', 'NOT_INCREASING'],
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: real.length - 100 }),
        fc.integer({ min: 0, max: 99 }),
        fc.constantFrom(...(Object.keys(corruptions) as (keyof typeof corruptions)[])),
        (start, at, kind) => {
          const window = real.slice(start, start + 100);
          const now = window.at(-1)!.closeTime;
          expect(reasonOf(() => checkCandles(window, { ...ctx, now, requireNonEmpty: true }))).toBeUndefined();
          window[at] = corruptions[kind](window[at]);
          expect(expected[kind]).toContain(reasonOf(() => checkCandles(window, { ...ctx, now, requireNonEmpty: true })));
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('checkCandleJumps (MAX_PRICE_JUMP = 0.2)', () => {
  const jumps = (closes: number[]) =>
    reasonOf(() =>
      checkCandleJumps(
        closes.map((c, i) => bar(i, c)),
        0.2,
        ctx,
      ),
    );
  it('a close that leaves by more than 20 % and gives back at least half of it is a SPIKE; a move that holds is not', () => {
    expect(jumps([100, 101, 102, 103])).toBeUndefined();
    expect(jumps([100, 125, 100, 101])).toBe('SPIKE');
    expect(jumps([100, 75, 100, 101])).toBe('SPIKE');
    // +25 then -12.5 (half of the 25 up): still a spike; -12 is less than half: a move that mostly holds.
    expect(jumps([100, 125, 112.5, 113])).toBe('SPIKE');
    expect(jumps([100, 125, 113, 113])).toBeUndefined();
    expect(jumps([100, 125, 126, 127])).toBeUndefined();
    // 20 % exactly is within the bound.
    expect(jumps([100, 120, 100, 100])).toBeUndefined();
  });
  it('the newest candle may not move more than 20 % from the one before', () => {
    expect(jumps([100, 101, 130])).toBe('PRICE_JUMP');
    expect(jumps([100, 101, 120])).toBeUndefined();
  });
  it('a candle whose high is more than 1 + 5 x 0.2 = 2 times its low is a SPIKE', () => {
    expect(reasonOf(() => checkCandleJumps([bar(0, 100, { high: 200, low: 100 })], 0.2, ctx))).toBeUndefined();
    expect(reasonOf(() => checkCandleJumps([bar(0, 100, { high: 201, low: 100 })], 0.2, ctx))).toBe('SPIKE');
  });
});

/** A scripted source: answers what the test puts in, counts calls. */
class ScriptedSource implements MarketDataSource {
  readonly venue = 'binance' as const;
  price = 100;
  candles: Candle[] = [bar(1, 100), bar(2, 100), bar(3, 100)];
  tickers: Ticker24h[] = [];
  async getCurrentPrice(): Promise<number> {
    return this.price;
  }
  async getRecentKlines(_s: string, _i: Interval, limit: number): Promise<Candle[]> {
    return this.candles.slice(-limit);
  }
  async getKlines(q: KlineRangeQuery): Promise<Candle[]> {
    return this.candles.filter((c) => c.openTime >= q.startTime && (q.endTime === undefined || c.openTime <= q.endTime));
  }
  async get24hTickers(): Promise<Ticker24h[]> {
    return this.tickers;
  }
}

describe('GuardedMarketDataSource', () => {
  const make = () => {
    const inner = new ScriptedSource();
    const halts = new MarketHalts();
    const events: MarketHaltEvent[] = [];
    halts.onChange((e) => events.push(e));
    const guard = new GuardedMarketDataSource(inner, {
      halts,
      maxJump: 0.2,
      now: () => 4 * H,
      referenceInterval: '1h',
      referenceLimit: 3,
    });
    return { inner, halts, events, guard };
  };

  it('a live read with fewer candles than asked is INSUFFICIENT_DATA; a history range is checked but may be short', async () => {
    const { inner, guard } = make();
    await expect(guard.getRecentKlines('BTCUSDT', '1h', 5)).rejects.toMatchObject({ code: 'INSUFFICIENT_DATA' });
    inner.candles = [bar(1, 100), bar(2, 70), bar(3, 71)];
    // A real 30 % fall inside a history range passes (training and downloads keep real crashes)...
    expect(await guard.getKlines({ symbol: 'BTCUSDT', interval: '1h', startTime: 0, limit: 10 })).toHaveLength(3);
    // ...while a broken candle does not.
    inner.candles = [bar(1, 100), bar(2, 0), bar(3, 71)];
    await expect(guard.getKlines({ symbol: 'BTCUSDT', interval: '1h', startTime: 0, limit: 10 })).rejects.toMatchObject({
      code: 'MARKET_DATA_INVALID',
    });
  });

  it('halts once per episode, refuses every live read while the price is wrong, and releases on a sane price', async () => {
    const { inner, halts, events, guard } = make();
    inner.price = 130;
    await expect(guard.getCurrentPrice('BTCUSDT')).rejects.toMatchObject({ details: { reason: 'PRICE_JUMP', reference: 100 } });
    await expect(guard.getCurrentPrice('btcusdt')).rejects.toMatchObject({ details: { reason: 'PRICE_JUMP' } });
    await expect(guard.getRecentKlines('BTCUSDT', '1h', 3)).rejects.toMatchObject({ details: { reason: 'PRICE_JUMP' } });
    expect(halts.list().map((h) => [h.venue, h.symbol, h.reason])).toEqual([['binance', 'BTCUSDT', 'PRICE_JUMP']]);
    inner.price = 119;
    expect(await guard.getRecentKlines('BTCUSDT', '1h', 3)).toHaveLength(3);
    expect(halts.isHalted('binance', 'BTCUSDT')).toBe(false);
    expect(events.map((e) => [e.halted, e.price, e.reference])).toEqual([
      [true, 130, 100],
      [false, 119, 100],
    ]);
  });

  it('leaves universe entries with unusable prices out of the 24 h tickers', async () => {
    const { inner, guard } = make();
    const t = (symbol: string, lastPrice: number): Ticker24h => ({ symbol, lastPrice, quoteVolume: 1, priceChangePercent: 0, volume: 1 });
    inner.tickers = [t('BTCUSDT', 93_000), t('DEADUSDT', 0), t('BADUSDT', -1), t('ETHUSDT', 3_000)];
    expect((await guard.get24hTickers!()).map((x) => x.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
  });
});
