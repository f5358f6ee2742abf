import {
  AreaSeries,
  type CandlestickData,
  CandlestickSeries,
  type ChartOptions,
  createChart,
  createSeriesMarkers,
  type DeepPartial,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  LineSeries,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { groupFills, MarkerTooltip, markerOf } from './chart-markers.js';
import { chartColors, onTheme } from './chart-theme.js';
import { TIME_OPTIONS } from './chart-time.js';
import { rsiSeries, smaSeries } from './indicators.js';
import type { CandleJson, EquityPoint, Trade } from './types.js';

const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000) as UTCTimestamp;

const THEME: DeepPartial<ChartOptions> = {
  autoSize: true,
  layout: { background: { color: 'transparent' }, textColor: '#9aa4b2', fontSize: 11, panes: { separatorColor: '#263040' } },
  grid: { vertLines: { color: '#1b2330' }, horzLines: { color: '#1b2330' } },
  rightPriceScale: { borderColor: '#263040' },
  timeScale: { borderColor: '#263040', timeVisible: true, secondsVisible: false, ...TIME_OPTIONS.timeScale },
  localization: TIME_OPTIONS.localization,
  crosshair: { mode: 0 },
};

function line<T extends number | null>(times: UTCTimestamp[], values: T[]): LineData[] {
  const out: LineData[] = [];
  for (let i = 0; i < times.length; i++) {
    const v = values[i];
    if (v !== null) out.push({ time: times[i], value: v });
  }
  return out;
}

/** Candles with SMA 10/50 overlays, BUY/SELL markers at fills, and an RSI(14) pane below. */
export class PriceChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly sma10: ISeriesApi<'Line'>;
  private readonly sma50: ISeriesApi<'Line'>;
  private readonly rsi: ISeriesApi<'Line'>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private readonly tooltip: MarkerTooltip;
  private openTimes: number[] = [];
  private fills: Trade[] = [];
  /** How many candles are drawn (tests and the legend read it). */
  count = 0;

  constructor(el: HTMLElement) {
    // Room right of the last bar so its marker and the last-price label are not clipped.
    this.chart = createChart(el, { ...THEME, timeScale: { ...THEME.timeScale, rightOffset: 6 } });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: '#26a69a',
      downColor: '#ef5350',
      borderVisible: false,
      wickUpColor: '#26a69a',
      wickDownColor: '#ef5350',
    });
    const overlay = { lineWidth: 1 as const, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false };
    this.sma10 = this.chart.addSeries(LineSeries, { ...overlay, color: '#f5b942' });
    this.sma50 = this.chart.addSeries(LineSeries, { ...overlay, color: '#6aa7ff' });
    this.rsi = this.chart.addSeries(LineSeries, { ...overlay, color: '#c38cff', lastValueVisible: true }, 1);
    this.rsi.createPriceLine({ price: 70, color: '#5b6576', lineWidth: 1, lineStyle: 2, axisLabelVisible: false, title: '' });
    this.rsi.createPriceLine({ price: 30, color: '#5b6576', lineWidth: 1, lineStyle: 2, axisLabelVisible: false, title: '' });
    const panes = this.chart.panes();
    panes[0]?.setStretchFactor(3);
    panes[1]?.setStretchFactor(1);
    this.markers = createSeriesMarkers(this.candles, []);
    this.tooltip = new MarkerTooltip(this.chart, el);
    onTheme((t) => this.chart.applyOptions(chartColors(t)));
  }

  setCandles(rows: readonly CandleJson[]): void {
    const first = this.count === 0;
    const times = rows.map((c) => secs(c.open_time));
    this.openTimes = times;
    const data: CandlestickData[] = rows.map((c, i) => ({ time: times[i], open: c.open, high: c.high, low: c.low, close: c.close }));
    const closes = rows.map((c) => c.close);
    this.candles.setData(data);
    this.sma10.setData(line(times, smaSeries(closes, 10)));
    this.sma50.setData(line(times, smaSeries(closes, 50)));
    this.rsi.setData(line(times, rsiSeries(closes, 14)));
    this.count = rows.length;
    this.drawMarkers();
    if (first) this.chart.timeScale().scrollToRealTime();
  }

  setFills(trades: readonly Trade[]): void {
    this.fills = trades.filter((t) => t.status === 'FILLED' && t.action !== 'HOLD');
    this.drawMarkers();
  }

  addFill(trade: Trade): void {
    if (this.fills.some((f) => f.cycle_id === trade.cycle_id && f.action === trade.action)) return;
    this.fills.push(trade);
    this.drawMarkers();
  }

  /** One marker per bar that had fills (grouped in chart-markers.ts); the tooltip lists them. */
  private drawMarkers(): void {
    const groups = groupFills(this.fills, this.openTimes);
    this.markers.setMarkers(groups.map(markerOf));
    this.tooltip.setGroups(groups);
  }

  markerCount(): number {
    return this.markers.markers().length;
  }
}

/**
 * Equity against buy-and-hold of the charted symbol from the first equity point, same starting value, with the
 * drawdown (percent below the running peak) in a pane beneath. Series carry no titles on the price scale: the
 * card's legend names them, and titles there overlapped the value labels.
 */
export class EquityChart {
  private readonly chart: IChartApi;
  private readonly equity: ISeriesApi<'Line'>;
  private readonly hold: ISeriesApi<'Line'>;
  private readonly drawdown: ISeriesApi<'Area'>;
  points = 0;
  /** Deepest drawdown drawn, percent (0 or negative): tests compare it with the API's max_drawdown. */
  deepest = 0;

  constructor(el: HTMLElement) {
    this.chart = createChart(el, THEME);
    this.equity = this.chart.addSeries(LineSeries, { color: '#26a69a', lineWidth: 2, priceLineVisible: false });
    this.hold = this.chart.addSeries(LineSeries, {
      color: '#7c8595',
      lineWidth: 1,
      lineStyle: 2,
      priceLineVisible: false,
      lastValueVisible: false,
    });
    this.drawdown = this.chart.addSeries(
      AreaSeries,
      {
        lineColor: '#ef5350',
        topColor: 'rgba(239, 83, 80, 0.05)',
        bottomColor: 'rgba(239, 83, 80, 0.35)',
        lineWidth: 1,
        priceLineVisible: false,
        priceFormat: { type: 'custom', formatter: (v: number) => `${v.toFixed(2)} %`, minMove: 0.01 },
        invertFilledArea: true,
      },
      1,
    );
    const panes = this.chart.panes();
    panes[0]?.setStretchFactor(3);
    panes[1]?.setStretchFactor(1);
    onTheme((t) => this.chart.applyOptions(chartColors(t)));
  }

  set(points: readonly EquityPoint[], candles: readonly CandleJson[]): void {
    const data = dedupe(points.map((p) => ({ time: secs(p.time), value: p.equity })));
    this.equity.setData(data);
    const dd = drawdownSeries(data);
    this.drawdown.setData(dd);
    this.deepest = dd.reduce((m, p) => Math.min(m, p.value), 0);
    this.points = data.length;
    if (data.length === 0 || candles.length === 0) {
      this.hold.setData([]);
      return;
    }
    const start = data[0].time as number;
    const closes = candles.map((c) => ({ time: secs(c.close_time), close: c.close }));
    const base = [...closes].reverse().find((c) => c.time <= start) ?? closes[0];
    const hold = dedupe(
      closes.filter((c) => c.time >= start).map((c) => ({ time: c.time, value: (data[0].value * c.close) / base.close })),
    );
    this.hold.setData(hold);
    this.chart.timeScale().fitContent();
  }
}

/** Percent below the running peak at each point (0 at a new peak, negative under water). */
export function drawdownSeries(equity: readonly LineData[]): LineData[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((p) => {
    peak = Math.max(peak, p.value);
    return { time: p.time, value: peak > 0 ? (p.value / peak - 1) * 100 : 0 };
  });
}

/** Series times must strictly increase: the last value of a time wins. */
function dedupe(rows: LineData[]): LineData[] {
  const out: LineData[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && (last.time as number) === (r.time as number)) out[out.length - 1] = r;
    else if (!last || (last.time as number) < (r.time as number)) out.push(r);
  }
  return out;
}

/** A small equity line for a backtest or anything else; returns a cleanup. */
export function sparkline(el: HTMLElement, values: ReadonlyArray<{ time: string; value: number }>): () => void {
  const chart = createChart(el, { ...THEME, handleScroll: false, handleScale: false });
  const s = chart.addSeries(LineSeries, { color: '#6aa7ff', lineWidth: 1, priceLineVisible: false });
  s.setData(dedupe(values.map((v) => ({ time: secs(v.time), value: v.value }))));
  chart.timeScale().fitContent();
  return () => chart.remove();
}
