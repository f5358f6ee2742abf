import type { ChartOptions, DeepPartial, Time } from 'lightweight-charts';
import { when } from './dom.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function toIso(time: Time): string {
  if (typeof time === 'number') return new Date(time * 1000).toISOString();
  if (typeof time === 'string') return new Date(Date.parse(time)).toISOString();
  return new Date(Date.UTC(time.year, time.month - 1, time.day)).toISOString();
}

/**
 * Time-axis labels in UTC (as the API speaks): a year tick is the year, a month tick `Mar 2018`, a day
 * `03-28` within this year and `2018-03-28` before it, an intraday tick `05:59`. Types as lightweight-charts'
 * TickMarkType: 0 year, 1 month, 2 day of month, 3 time, 4 time with seconds.
 */
export function tickLabel(time: Time, type: number, now = Date.now()): string {
  const iso = toIso(time);
  const year = iso.slice(0, 4);
  switch (type) {
    case 0:
      return year;
    case 1:
      return `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${year}`;
    case 2:
      return year === new Date(now).toISOString().slice(0, 4) ? iso.slice(5, 10) : iso.slice(0, 10);
    default:
      return iso.slice(11, 16);
  }
}

/** The crosshair's time label: the time alone today, else the date with its year. */
export const crosshairLabel = (time: Time): string => when(toIso(time));

/** Options every chart on the page shares for its time axis and crosshair label. */
export const TIME_OPTIONS: DeepPartial<ChartOptions> = {
  localization: { timeFormatter: crosshairLabel },
  timeScale: { tickMarkFormatter: (time: Time, type: number) => tickLabel(time, type), tickMarkMaxCharacterLength: 10 },
};
