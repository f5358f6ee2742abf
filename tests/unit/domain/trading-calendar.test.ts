import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { CONTINUOUS, calendarFor, isUsTradingDay, US_EQUITIES, usEquityHolidays } from '../../../src/domain/trading-calendar.js';
import { columnsToCandles } from '../../../src/market/csv-candles.js';
import { latestFeatures, segmentStarts } from '../../../src/ml/features.js';
import { readStockCsv } from '../../fakes/fake-yahoo.js';
import { sharedData } from '../../helpers/shared-data.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

/** NYSE's published full-day closures (nyse.com holiday calendar), an outside reference for the rules. */
const NYSE_HOLIDAYS: Record<number, string[]> = {
  2021: ['2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24'],
  // New Year's Day 2022 fell on a Saturday and was not observed on Friday 2021-12-31.
  2022: ['2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26'],
  2024: [
    '2024-01-01',
    '2024-01-15',
    '2024-02-19',
    '2024-03-29',
    '2024-05-27',
    '2024-06-19',
    '2024-07-04',
    '2024-09-02',
    '2024-11-28',
    '2024-12-25',
  ],
};

function bar(openTime: number, ms: number, close = 100): Candle {
  return { openTime, open: close, high: close, low: close, close, volume: 1, closeTime: openTime + ms - 1 };
}

describe('US equities calendar', () => {
  it.each(Object.entries(NYSE_HOLIDAYS))('holidays of %s match the NYSE calendar', (year, expected) => {
    expect([...usEquityHolidays(Number(year))].sort().map(iso)).toEqual(expected);
    for (const d of expected) expect(isUsTradingDay(day(d))).toBe(false);
    expect(isUsTradingDay(day('2021-12-31'))).toBe(true);
  });

  it('reads 23 years of real AAPL, SPY and IBM daily bars as one unbroken series (every session, no extra day)', () => {
    for (const symbol of ['AAPL', 'SPY', 'IBM']) {
      const candles = columnsToCandles(readStockCsv(sharedData('stocks', `${symbol}_1d.csv`)));
      expect(candles.length).toBe(5849);
      // Without the calendar, every weekend and holiday is a hole: 1,268 segments.
      expect(segmentStarts(candles).length).toBe(1268);
      expect(Array.from(segmentStarts(candles, { calendar: US_EQUITIES }))).toEqual([0]);
    }
  });

  it('a real missing session still restarts the state; the features then need a full warm-up again', () => {
    const candles = columnsToCandles(readStockCsv(sharedData('stocks', 'AAPL_1d.csv')));
    const cut = candles.length - 30;
    const holed = [...candles.slice(0, cut), ...candles.slice(cut + 1)];
    expect(Array.from(segmentStarts(holed, { calendar: US_EQUITIES }))).toEqual([0, cut]);
    expect(latestFeatures(candles, { calendar: US_EQUITIES })).not.toBeNull();
    expect(latestFeatures(candles)).toBeNull();
    expect(latestFeatures(holed, { calendar: US_EQUITIES })).toBeNull();
  });

  it('intraday: a session follows the previous one across a night, a weekend and Good Friday; a missing hour does not', () => {
    // 60 m bars at 13:30..19:30 UTC (Yahoo's hourly bars of a 09:30-16:00 EDT session).
    const session = (d: string) => Array.from({ length: 7 }, (_, i) => bar(Date.parse(`${d}T13:30:00Z`) + i * HOUR, HOUR));
    const bars = [...session('2024-03-27'), ...session('2024-03-28'), ...session('2024-04-01')];
    expect(Array.from(segmentStarts(bars, { calendar: US_EQUITIES }))).toEqual([0]);
    const missingHour = bars.filter((_, i) => i !== 10);
    expect(Array.from(segmentStarts(missingHour, { calendar: US_EQUITIES }))).toEqual([0, 10]);
    const missingSession = [...session('2024-03-27'), ...session('2024-04-01')];
    expect(Array.from(segmentStarts(missingSession, { calendar: US_EQUITIES }))).toEqual([0, 7]);
  });

  it('continuous markets: a bar follows only the bar one interval earlier (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.constantFrom(60_000, HOUR, DAY), fc.integer({ min: -3, max: 3 }), (t, ms, k) => {
        expect(CONTINUOUS.follows(t, t + ms + k * ms, ms)).toBe(k === 0);
      }),
      { seed: 15, numRuns: 200 },
    );
    expect(calendarFor('yahoo')).toBe(US_EQUITIES);
    for (const v of ['binance', 'bybit', 'synthetic', 'replay'] as const) expect(calendarFor(v)).toBe(CONTINUOUS);
  });
});
