import './chart.css';
import type { IChartApi, MouseEventParams, SeriesMarker, Time, UTCTimestamp } from 'lightweight-charts';
import { h, money, when } from './dom.js';
import type { Trade } from './types.js';

/** The fills that landed on one bar. */
export interface FillGroup {
  /** Open time of the bar, seconds. */
  readonly time: UTCTimestamp;
  readonly fills: readonly Trade[];
  readonly buys: number;
  readonly sells: number;
}

/**
 * Fills grouped by the bar whose open time is the last at or before the fill (fills happen at a bar's close),
 * oldest bar first; fills before the first bar are left out.
 */
export function groupFills(fills: readonly Trade[], openTimes: readonly number[]): FillGroup[] {
  const by = new Map<number, Trade[]>();
  for (const f of fills) {
    const t = Date.parse(f.timestamp) / 1000;
    let lo = 0;
    let hi = openTimes.length - 1;
    if (hi < 0 || t < openTimes[0]) continue;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (openTimes[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    const list = by.get(openTimes[lo]);
    if (list) list.push(f);
    else by.set(openTimes[lo], [f]);
  }
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([time, list]) => ({
      time: time as UTCTimestamp,
      fills: list,
      buys: list.filter((f) => f.action === 'BUY').length,
      sells: list.filter((f) => f.action === 'SELL').length,
    }));
}

/**
 * One marker per bar: an arrow for buys or sells alone (text only for a count, `×2`: labels on neighbouring bars
 * piled into an unreadable cluster), a dot with `1B 1S` for both. The tooltip names every fill.
 */
export function markerOf(g: FillGroup): SeriesMarker<Time> {
  if (g.sells === 0)
    return { time: g.time, position: 'belowBar', color: '#26a69a', shape: 'arrowUp', text: g.buys > 1 ? `×${g.buys}` : '' };
  if (g.buys === 0)
    return { time: g.time, position: 'aboveBar', color: '#ef5350', shape: 'arrowDown', text: g.sells > 1 ? `×${g.sells}` : '' };
  return { time: g.time, position: 'aboveBar', color: '#f5b942', shape: 'circle', text: `${g.buys}B ${g.sells}S` };
}

/** A tooltip listing a bar's fills when the crosshair is on a bar with a marker. */
export class MarkerTooltip {
  private groups = new Map<number, FillGroup>();
  private readonly tip: HTMLElement;

  constructor(chart: IChartApi, host: HTMLElement) {
    host.classList.add('has-tip');
    this.tip = h('div', { class: 'marker-tip', hidden: true, 'data-fills': 0 });
    host.append(this.tip);
    chart.subscribeCrosshairMove((p) => this.move(p, host));
  }

  setGroups(groups: readonly FillGroup[]): void {
    this.groups = new Map(groups.map((g) => [g.time as number, g]));
  }

  private move(p: MouseEventParams<Time>, host: HTMLElement): void {
    const g = typeof p.time === 'number' ? this.groups.get(p.time) : undefined;
    if (!g || !p.point) {
      this.tip.hidden = true;
      return;
    }
    this.tip.replaceChildren(
      h('div', { class: 'muted' }, `${g.fills.length} fill${g.fills.length === 1 ? '' : 's'} on this bar`),
      ...g.fills.map((f) =>
        h(
          'div',
          {},
          h('b', { class: f.action === 'BUY' ? 'up' : 'down' }, f.action),
          ` ${f.quantity} @ ${money(f.execution_price ?? f.price)}`,
          h('span', { class: 'muted' }, ` #${f.cycle_id} ${when(f.timestamp)}${f.reason ? ` ${f.reason}` : ''}`),
        ),
      ),
    );
    this.tip.dataset.fills = String(g.fills.length);
    this.tip.hidden = false;
    // Beside the crosshair, flipped left near the right edge so it never leaves the chart.
    const left = p.point.x + 16 + 260 > host.clientWidth ? Math.max(0, p.point.x - 16 - 260) : p.point.x + 16;
    this.tip.style.left = `${left}px`;
    this.tip.style.top = `${Math.max(0, p.point.y - 20)}px`;
  }
}
