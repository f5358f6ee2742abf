import type { Venue } from './market.js';

/**
 * When a market trades, so that a night, a weekend or a holiday between two bars is read as the calendar and
 * not as missing data. Pure date arithmetic on UTC epoch ms; no I/O.
 */
export interface TradingCalendar {
  readonly name: 'continuous' | 'us-equities';
  /**
   * True when the bar opening at `next` directly follows the bar opening at `prev` on this calendar: no bar
   * (no whole trading session, for daily bars) is missing between them.
   */
  follows(prev: number, next: number, intervalMs: number): boolean;
  /**
   * How long after a bar's UTC close boundary its scheduled cycle runs so that the market is open: 0 around the
   * clock; for a daily stock bar (closing at 00:00 UTC, exchange shut) a time inside the next session.
   */
  cycleOffsetMs(intervalMs: number): number;
}

const DAY_MS = 86_400_000;

/** Markets that never close (crypto): a bar follows only the bar one interval earlier. */
export const CONTINUOUS: TradingCalendar = {
  name: 'continuous',
  follows: (prev, next, intervalMs) => next - prev === intervalMs,
  cycleOffsetMs: () => 0,
};

/**
 * 14:35 UTC: five minutes into the regular US session in winter (14:30-21:00 UTC) and an hour into it in summer
 * (13:30-20:00 UTC), so a daily cycle there meets an open market whatever the daylight-saving time.
 */
export const US_DAILY_CYCLE_OFFSET_MS = (14 * 60 + 35) * 60_000;

/** Whole-day closures of the US exchanges outside the holiday rules (national mourning, September 2001, Sandy). */
const SPECIAL_CLOSURES: ReadonlySet<string> = new Set([
  '2001-09-11',
  '2001-09-12',
  '2001-09-13',
  '2001-09-14',
  '2004-06-11',
  '2007-01-02',
  '2012-10-29',
  '2012-10-30',
  '2018-12-05',
  '2025-01-09',
]);

const dayKey = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const utcDay = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / DAY_MS;
const weekday = (day: number) => (day + 4) % 7; // 1970-01-01 was a Thursday (4); 0 = Sunday

/** The n-th (1-based) `wd` weekday of a month, or with n = -1 the last one. */
function nthWeekday(y: number, m: number, wd: number, n: number): number {
  if (n > 0) {
    const first = utcDay(y, m, 1);
    return first + ((wd - weekday(first) + 7) % 7) + (n - 1) * 7;
  }
  const last = utcDay(y, m + 1, 1) - 1;
  return last - ((weekday(last) - wd + 7) % 7);
}

/** Easter Sunday (Gregorian, anonymous algorithm). */
function easter(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDay(y, month, day);
}

/** A fixed-date holiday on a Saturday is observed the Friday before, on a Sunday the Monday after. */
function observed(day: number): number {
  const wd = weekday(day);
  return wd === 6 ? day - 1 : wd === 0 ? day + 1 : day;
}

const holidayCache = new Map<number, ReadonlySet<number>>();

/** NYSE full-day holidays of a year (rule 7.2: New Year's Day on a Saturday is not observed on December 31). */
export function usEquityHolidays(y: number): ReadonlySet<number> {
  const cached = holidayCache.get(y);
  if (cached) return cached;
  const days = new Set<number>();
  const newYear = utcDay(y, 1, 1);
  if (weekday(newYear) !== 6) days.add(observed(newYear));
  days.add(nthWeekday(y, 1, 1, 3)); // Martin Luther King Jr. Day (NYSE since 1998)
  days.add(nthWeekday(y, 2, 1, 3)); // Washington's Birthday
  days.add(easter(y) - 2); // Good Friday
  days.add(nthWeekday(y, 5, 1, -1)); // Memorial Day
  if (y >= 2022) days.add(observed(utcDay(y, 6, 19))); // Juneteenth
  days.add(observed(utcDay(y, 7, 4)));
  days.add(nthWeekday(y, 9, 1, 1)); // Labor Day
  days.add(nthWeekday(y, 11, 4, 4)); // Thanksgiving
  days.add(observed(utcDay(y, 12, 25)));
  holidayCache.set(y, days);
  return days;
}

/** True for a weekday (UTC date index, days since 1970-01-01) on which the US exchanges hold a session. */
export function isUsTradingDay(day: number): boolean {
  const wd = weekday(day);
  if (wd === 0 || wd === 6) return false;
  const year = new Date(day * DAY_MS).getUTCFullYear();
  return !usEquityHolidays(year).has(day) && !SPECIAL_CLOSURES.has(dayKey(day));
}

/** The next US trading day after `day`. */
export function nextUsTradingDay(day: number): number {
  let d = day + 1;
  while (!isUsTradingDay(d)) d++;
  return d;
}

/**
 * US stocks and ETFs (NYSE/Nasdaq): sessions on weekdays except exchange holidays. Daily bars follow when they
 * are on consecutive trading days; intraday bars follow within a session when one interval apart, and across
 * the night when the next bar is on the next trading day (the regular session is one UTC date, 13:30-21:00).
 * Weekly and longer bars follow one interval apart.
 */
export const US_EQUITIES: TradingCalendar = {
  name: 'us-equities',
  follows: (prev, next, intervalMs) => {
    if (intervalMs > DAY_MS) return next - prev === intervalMs;
    const prevDay = Math.floor(prev / DAY_MS);
    const nextDay = Math.floor(next / DAY_MS);
    if (intervalMs === DAY_MS || prevDay !== nextDay) return nextDay === nextUsTradingDay(prevDay);
    return next - prev === intervalMs;
  },
  // Intraday bars close inside the session (the grid's hours); a daily or longer bar closes at 00:00 UTC.
  cycleOffsetMs: (intervalMs) => (intervalMs >= DAY_MS ? US_DAILY_CYCLE_OFFSET_MS : 0),
};

/** The calendar of the market a venue serves: Yahoo's stocks trade in US sessions, every other venue around the clock. */
export function calendarFor(venue: Venue): TradingCalendar {
  return venue === 'yahoo' ? US_EQUITIES : CONTINUOUS;
}
