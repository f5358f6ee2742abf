import {
  AreaSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type LineData,
  LineSeries,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { BacktestReport } from './backtest-types.js';

const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000) as UTCTimestamp;

const OPTIONS = {
  autoSize: true,
  layout: { background: { color: 'transparent' }, textColor: '#9aa4b2', fontSize: 11, panes: { separatorColor: '#263040' } },
  grid: { vertLines: { color: '#1b2330' }, horzLines: { color: '#1b2330' } },
  rightPriceScale: { borderColor: '#263040' },
  timeScale: { borderColor: '#263040', timeVisible: true, secondsVisible: false },
  crosshair: { mode: 0 },
} as const;

/** Strictly increasing times, as the chart library requires: a later duplicate replaces the earlier point. */
function increasing(points: LineData[]): LineData[] {
  const out: LineData[] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (last && (p.time as number) <= (last.time as number)) out[out.length - 1] = { ...p, time: last.time };
    else out.push(p);
  }
  return out;
}

/** Equity against buy-and-hold, with the drawdown (negative, in %) in a pane beneath. */
export function equityChart(el: HTMLElement, r: BacktestReport): IChartApi {
  const chart = createChart(el, OPTIONS);
  const equity = chart.addSeries(LineSeries, { color: '#6aa7ff', lineWidth: 2, priceLineVisible: false, title: 'run' });
  equity.setData(increasing(r.equity.map((p) => ({ time: secs(p.time), value: p.equity }))));
  const bh = r.equity.filter((p) => p.buy_and_hold !== null);
  if (bh.length) {
    const series = chart.addSeries(LineSeries, { color: '#8a94a6', lineWidth: 1, priceLineVisible: false, title: 'B&H' });
    series.setData(increasing(bh.map((p) => ({ time: secs(p.time), value: p.buy_and_hold as number }))));
  }
  const dd = chart.addSeries(
    AreaSeries,
    {
      lineColor: '#ef5350',
      topColor: 'rgba(239,83,80,0.05)',
      bottomColor: 'rgba(239,83,80,0.4)',
      lineWidth: 1,
      priceLineVisible: false,
      title: 'DD %',
    },
    1,
  );
  dd.setData(increasing(r.equity.map((p) => ({ time: secs(p.time), value: -p.drawdown * 100 }))));
  const panes = chart.panes();
  panes[0]?.setStretchFactor(3);
  panes[1]?.setStretchFactor(1);
  chart.timeScale().fitContent();
  return chart;
}

/**
 * The traded price (stored closes; for runs over CSV files, the fill prices themselves) with one marker per
 * fill, snapped to the bar it filled in.
 * @returns the chart and the number of markers drawn.
 */
export function tradesChart(el: HTMLElement, r: BacktestReport): { chart: IChartApi; markers: number } {
  const chart = createChart(el, OPTIONS);
  const price = chart.addSeries(LineSeries, { color: '#c9d1d9', lineWidth: 1, priceLineVisible: false });
  const data = increasing(
    r.prices.length
      ? r.prices.map((p) => ({ time: secs(p.time), value: p.close }))
      : r.fills.map((f) => ({ time: secs(f.time), value: f.price })),
  );
  price.setData(data);
  const times = data.map((d) => d.time as number);
  const markers: SeriesMarker<Time>[] = [];
  for (const f of r.fills) {
    const t = snap(times, secs(f.time));
    if (t === null) continue;
    const buy = f.action === 'BUY';
    markers.push({
      time: t as UTCTimestamp,
      position: buy ? 'belowBar' : 'aboveBar',
      color: buy ? '#26a69a' : '#ef5350',
      shape: buy ? 'arrowUp' : 'arrowDown',
    });
  }
  markers.sort((a, b) => (a.time as number) - (b.time as number));
  createSeriesMarkers(price, markers);
  chart.timeScale().fitContent();
  return { chart, markers: markers.length };
}

/** The last drawn time at or before `t` (the bar a fill belongs to), or the first one after it. */
function snap(times: readonly number[], t: number): number | null {
  if (!times.length) return null;
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return times[Math.max(0, lo - 1)];
}
