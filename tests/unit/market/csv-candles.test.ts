import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { isConclaveError } from '../../../src/domain/errors.js';
import {
  candlesToColumns,
  columnsToCandles,
  parseCandlesCsv,
  parseKlineFileName,
  readCandleColumns,
  readCandlesCsv,
  writeCandlesCsv,
  writeCandlesCsvFile,
} from '../../../src/market/csv-candles.js';
import { sharedData } from '../../helpers/shared-data.js';

const HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,taker_buy_quote';

function expectValidationError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(isConclaveError(error, 'VALIDATION_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a VALIDATION_ERROR');
}

describe('parseCandlesCsv', () => {
  it('parses rows with empty optional columns and rows that carry them', () => {
    const text = `${HEADER}\n1518192000000,8333.98,8432.51,8312.0,8383.11,1189.651658,1518195599999,,,,\r\n1518195600000,8383.11,8718.0,8372.69,8625.0,2086.817085,1518199199999,17500000.5,20478,,\n`;
    const candles = parseCandlesCsv(text);
    expect(candles).toEqual([
      { openTime: 1518192000000, open: 8333.98, high: 8432.51, low: 8312, close: 8383.11, volume: 1189.651658, closeTime: 1518195599999 },
      {
        openTime: 1518195600000,
        open: 8383.11,
        high: 8718,
        low: 8372.69,
        close: 8625,
        volume: 2086.817085,
        closeTime: 1518199199999,
        quoteVolume: 17500000.5,
        trades: 20478,
      },
    ]);
  });

  it('accepts a header with only the seven required columns', () => {
    const text = 'open_time,open,high,low,close,volume,close_time\n0,1,2,0.5,1.5,10,59999\n';
    expect(parseCandlesCsv(text)).toHaveLength(1);
  });

  it.each([
    ['wrong header', 'time,open,high,low,close,volume\n', /:1: expected header/],
    ['unsorted rows', `${HEADER}\n60000,1,2,1,1,1,119999,,,,\n0,1,2,1,1,1,59999,,,,\n`, /:3: open_time 0 is not after/],
    ['duplicate rows', `${HEADER}\n0,1,2,1,1,1,59999,,,,\n0,1,2,1,1,1,59999,,,,\n`, /:3: .*sorted, no duplicates/],
    ['high below low', `${HEADER}\n0,1,1,2,1,1,59999,,,,\n`, /:2: high 1 < low 2/],
    ['close above high', `${HEADER}\n0,1,2,1,3,1,59999,,,,\n`, /:2: close 3 outside/],
    ['not a number', `${HEADER}\n0,1,2,x,1,1,59999,,,,\n`, /:2: low is not a finite number: "x"/],
    ['empty required field', `${HEADER}\n0,1,2,1,1,,59999,,,,\n`, /:2: volume is empty/],
    ['negative volume', `${HEADER}\n0,1,2,1,1,-1,59999,,,,\n`, /:2: volume must be >= 0/],
    ['wrong field count', `${HEADER}\n0,1,2,1,1,1,59999\n`, /:2: expected 11 fields/],
    ['close_time before open_time', `${HEADER}\n60000,1,2,1,1,1,59999,,,,\n`, /:2: close_time 59999 is not after/],
    ['infinite value', `${HEADER}\n0,1,1e999,1,1,1,59999,,,,\n`, /:2: high is not a finite number/],
  ])('rejects %s with VALIDATION_ERROR naming the line', (_name, text, pattern) => {
    expectValidationError(() => parseCandlesCsv(text, 'mem.csv'), pattern);
  });

  it('round-trips through writeCandlesCsv for any valid candles (property)', () => {
    const candle = fc
      .record({
        low: fc.double({ min: 1e-8, max: 1e7, noNaN: true }),
        spread: fc.double({ min: 0, max: 1e5, noNaN: true }),
        o: fc.double({ min: 0, max: 1, noNaN: true }),
        c: fc.double({ min: 0, max: 1, noNaN: true }),
        volume: fc.double({ min: 0, max: 1e12, noNaN: true }),
        quoteVolume: fc.option(fc.double({ min: 0, max: 1e15, noNaN: true }), { nil: undefined }),
        trades: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
      })
      .map(({ low, spread, o, c, volume, quoteVolume, trades }) => {
        const high = low + spread;
        // Keep open/close inside [low, high] exactly, whatever the float rounding of the blend.
        const clamp = (x: number) => Math.min(high, Math.max(low, x));
        return { low, high, open: clamp(low + spread * o), close: clamp(low + spread * c), volume, quoteVolume, trades };
      });
    fc.assert(
      fc.property(fc.array(candle, { maxLength: 30 }), (parts) => {
        const candles: Candle[] = parts.map((p, i) => ({
          openTime: i * 60_000,
          open: p.open,
          high: p.high,
          low: p.low,
          close: p.close,
          volume: p.volume,
          closeTime: i * 60_000 + 59_999,
          ...(p.quoteVolume === undefined ? {} : { quoteVolume: p.quoteVolume }),
          ...(p.trades === undefined ? {} : { trades: p.trades }),
        }));
        expect(parseCandlesCsv(writeCandlesCsv(candles))).toEqual(candles);
      }),
    );
  });
});

describe('readCandleColumns over the real data', () => {
  it('reads BTCUSDT_15m.csv with values equal to Number() of each field', () => {
    const path = sharedData('klines', 'BTCUSDT_15m.csv');
    const cols = readCandleColumns(path);
    const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
    expect(cols.length).toBe(rows.length);
    for (const i of [0, 1, 1234, rows.length - 1]) {
      const f = rows[i].split(',');
      expect([cols.openTime[i], cols.open[i], cols.high[i], cols.low[i], cols.close[i], cols.volume[i], cols.closeTime[i]]).toEqual(
        f.slice(0, 7).map(Number),
      );
      expect(cols.quoteVolume[i]).toBe(Number(f[7]));
      expect(cols.trades[i]).toBe(Number(f[8]));
    }
  });

  it('reads the gzip 1m file: 456,571 rows, sorted, same first and last rows as the text', () => {
    const path = sharedData('klines', 'BTCUSDT_1m.csv.gz');
    const cols = readCandleColumns(path);
    expect(cols.length).toBe(456_571);
    const lines = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n');
    expect(Array.from([cols.openTime[0], cols.close[0]])).toEqual([Number(lines[1].split(',')[0]), Number(lines[1].split(',')[4])]);
    const last = lines[lines.length - 1].split(',');
    expect(cols.close[cols.length - 1]).toBe(Number(last[4]));
    expect(Number.isNaN(cols.quoteVolume[0])).toBe(true);
  });

  it('readCandlesCsv and columnsToCandles agree; candlesToColumns inverts them', () => {
    const path = sharedData('klines', 'bybit-linear', 'BTCUSDT_4h.csv');
    const candles = readCandlesCsv(path);
    expect(candles).toHaveLength(185);
    expect(columnsToCandles(candlesToColumns(candles))).toEqual(candles);
  });

  it('writes a gzip file that reads back identically', () => {
    const candles = readCandlesCsv(sharedData('klines', 'bybit-linear', 'ETHUSDT_4h.csv'));
    const out = join(mkdtempSync(join(tmpdir(), 'conclave-csv-')), 'ETHUSDT_4h.csv.gz');
    writeCandlesCsvFile(out, candles);
    expect(readCandlesCsv(out)).toEqual(candles);
  });

  it('names a missing file', () => {
    expectValidationError(() => readCandleColumns('/nonexistent/X_1h.csv'), /cannot read candle file \/nonexistent\/X_1h.csv/);
  });
});

describe('parseKlineFileName', () => {
  it('reads symbol and interval from the data folder naming', () => {
    expect(parseKlineFileName('/a/b/btcusdt_1m.csv.gz')).toEqual({ symbol: 'BTCUSDT', interval: '1m' });
    expect(parseKlineFileName('ETHUSDT_4h.csv')).toEqual({ symbol: 'ETHUSDT', interval: '4h' });
    expect(parseKlineFileName('candles.csv')).toBeNull();
  });
});
