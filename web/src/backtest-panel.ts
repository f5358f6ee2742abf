import './desk.css';
import type { IChartApi } from 'lightweight-charts';
import { get, optional } from './api.js';
import { equityChart, tradesChart } from './backtest-charts.js';
import { backtestForm } from './backtest-form.js';
import type { BacktestEventData, BacktestReport, BacktestRun, Metrics } from './backtest-types.js';
import { fill, h, money, num, pct, shortTime, unavailable } from './dom.js';

const LIST_LIMIT = 20;

/** Metrics shown for a run, its buy-and-hold, and side by side in a comparison. */
const METRICS: readonly [key: string, label: string, kind: 'pct' | 'num' | 'int'][] = [
  ['total_return', 'Return', 'pct'],
  ['cagr', 'CAGR', 'pct'],
  ['sharpe', 'Sharpe', 'num'],
  ['sortino', 'Sortino', 'num'],
  ['max_drawdown', 'Max drawdown', 'pct'],
  ['profit_factor', 'Profit factor', 'num'],
  ['win_rate', 'Win rate', 'pct'],
  ['n_trades', 'Trades', 'int'],
  ['exposure', 'Time in market', 'pct'],
];

function metricText(m: Metrics | null | undefined, key: string, kind: 'pct' | 'num' | 'int'): string {
  const v = m?.[key];
  if (v === null || v === undefined) return '-';
  return kind === 'pct' ? pct(v, 1) : kind === 'int' ? String(v) : num(v);
}

export function runTitle(b: BacktestRun): string {
  const p = b.params;
  const who = p.protocol && p.protocol !== 'pipeline' ? p.protocol : (p.strategy ?? p.protocol ?? '?');
  return `${who} ${p.symbol ?? ''} ${p.interval ?? ''}${p.source === 'cli' ? ' (CLI)' : ''}`.trim();
}

export interface ResearchPanelOptions {
  readonly symbol: () => string;
  /** Failures of a click or a live update (the page's toast / login). */
  readonly guard: (task: () => Promise<void>) => Promise<void>;
}

/**
 * Research from the page: the new-backtest form, every run of the user (API and CLI) with its live progress,
 * a run's report (equity vs buy-and-hold and drawdown, fills on the price, trades, denials, halts) and two runs
 * compared side by side.
 */
export class ResearchPanel {
  private runs: BacktestRun[] = [];
  private readonly picked = new Set<string>();
  private charts: IChartApi[] = [];
  /** A run started from this page opens its report when it finishes. */
  private awaiting: string | null = null;
  /** Live progress events drawn (the browser tests read it from the list's data-progress-events). */
  private progressSeen = 0;

  constructor(
    private readonly el: { form: HTMLElement; list: HTMLElement; report: HTMLElement; compare: HTMLElement },
    private readonly opts: ResearchPanelOptions,
  ) {}

  async init(): Promise<void> {
    const strategies = await optional<{ strategies: { name: string }[] }>('/api/strategies');
    fill(
      this.el.form,
      backtestForm({
        symbol: this.opts.symbol,
        strategies: strategies?.strategies.map((s) => s.name) ?? ['sma-cross', 'breakout', 'mean-reversion'],
        onStarted: (id) => {
          this.awaiting = id;
          void this.opts.guard(() => this.load());
        },
      }),
    );
    await this.load();
  }

  async load(): Promise<void> {
    const list = await optional<BacktestRun[]>(`/api/backtests?limit=${LIST_LIMIT}`);
    if (!list) return fill(this.el.list, unavailable('Backtests'));
    this.runs = list;
    this.renderList();
  }

  /** `backtest.progress` / `backtest.finished` from /ws: the row moves without a reload; a finish reloads. */
  onEvent(type: string, d: BacktestEventData): void {
    const row = this.el.list.querySelector<HTMLElement>(`tr[data-run="${CSS.escape(d.id)}"]`);
    if (type === 'backtest.progress') this.el.list.dataset.progressEvents = String(++this.progressSeen);
    if (type === 'backtest.progress' && row) {
      row.dataset.status = d.status;
      row.dataset.progress = String(d.progress);
      const cell = row.querySelector<HTMLElement>('.bt-status');
      if (cell) fill(cell, progressBar(d.status, d.progress));
      return;
    }
    void this.opts.guard(async () => {
      await this.load();
      if (type === 'backtest.finished' && d.id === this.awaiting && d.status === 'completed') {
        this.awaiting = null;
        await this.openReport(d.id);
      }
    });
  }

  private renderList(): void {
    if (!this.runs.length) {
      fill(this.el.list, h('p', { class: 'muted' }, 'No backtests yet: start one above, or run `conclave backtest`.'));
      return;
    }
    const rows = this.runs.map((b) => {
      const m = b.result?.metrics;
      const box = h('input', { type: 'checkbox', 'aria-label': `compare ${b.id}`, checked: this.picked.has(b.id) }) as HTMLInputElement;
      box.disabled = b.status !== 'completed';
      box.addEventListener('click', (e) => e.stopPropagation());
      box.addEventListener('change', () => this.pick(b.id, box.checked));
      const tr = h(
        'tr',
        { class: 'clickable', 'data-run': b.id, 'data-status': b.status, 'data-progress': b.progress, title: b.error ?? b.id },
        h('td', {}, box),
        h('td', {}, runTitle(b), h('div', { class: 'muted small' }, shortTime(b.created_at))),
        h('td', { class: 'bt-status' }, progressBar(b.status, b.progress)),
        h('td', { class: 'num' }, metricText(m, 'total_return', 'pct')),
        h('td', { class: 'num' }, metricText(b.result?.benchmark, 'total_return', 'pct')),
        h('td', { class: 'num' }, metricText(m, 'sharpe', 'num')),
        h('td', { class: 'num' }, metricText(m, 'max_drawdown', 'pct')),
        h('td', { class: 'num' }, metricText(m, 'n_trades', 'int')),
      );
      tr.addEventListener('click', () => {
        if (b.status === 'completed') void this.opts.guard(() => this.openReport(b.id));
        else if (b.status === 'failed') fill(this.el.report, h('p', { class: 'rejected' }, `Run failed: ${b.error ?? 'unknown error'}`));
      });
      return tr;
    });
    const head = ['', 'Run', 'Status', 'Return', 'B&H', 'Sharpe', 'Max DD', 'Trades'].map((t) => h('th', {}, t));
    fill(
      this.el.list,
      h(
        'div',
        { class: 'table-scroll' },
        h('table', { class: 'backtests' }, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...rows)),
      ),
      h('p', { class: 'muted small' }, 'Click a finished run for its report; tick two to compare them.'),
    );
  }

  private pick(id: string, on: boolean): void {
    if (on) this.picked.add(id);
    else this.picked.delete(id);
    // Two at a time: ticking a third drops the oldest pick.
    while (this.picked.size > 2) this.picked.delete(this.picked.values().next().value as string);
    for (const box of this.el.list.querySelectorAll<HTMLInputElement>('tr[data-run] input[type=checkbox]')) {
      const row = box.closest('tr') as HTMLElement;
      box.checked = this.picked.has(row.dataset.run ?? '');
    }
    this.renderCompare();
  }

  private renderCompare(): void {
    const runs = [...this.picked].map((id) => this.runs.find((r) => r.id === id)).filter((r): r is BacktestRun => !!r);
    if (runs.length < 2) {
      fill(this.el.compare);
      this.el.compare.dataset.runs = '0';
      return;
    }
    const [a, b] = runs;
    const settingRows = settingsDiff(a, b).map(([k, x, y]) => h('tr', { class: 'diff' }, h('td', {}, k), h('td', {}, x), h('td', {}, y)));
    const better = (key: string, x: number | null | undefined, y: number | null | undefined, side: 'a' | 'b') => {
      if (x === null || x === undefined || y === null || y === undefined || x === y) return '';
      const higher = key === 'max_drawdown' ? x < y : x > y;
      return higher === (side === 'a') ? 'up' : '';
    };
    const metricRows = METRICS.map(([key, label, kind]) => {
      const x = a.result?.metrics[key];
      const y = b.result?.metrics[key];
      return h(
        'tr',
        {},
        h('td', {}, label),
        h('td', { class: `num ${better(key, x, y, 'a')}` }, metricText(a.result?.metrics, key, kind)),
        h('td', { class: `num ${better(key, x, y, 'b')}` }, metricText(b.result?.metrics, key, kind)),
      );
    });
    this.el.compare.dataset.runs = '2';
    fill(
      this.el.compare,
      h('h3', {}, 'Side by side'),
      h(
        'table',
        { class: 'compare' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, runTitle(a)), h('th', {}, runTitle(b)))),
        h('tbody', {}, ...metricRows, ...settingRows),
      ),
    );
  }

  async openReport(id: string): Promise<void> {
    const r = await get<BacktestReport>(`/api/backtests/${encodeURIComponent(id)}/report`);
    for (const c of this.charts) c.remove();
    this.charts = [];
    const equityEl = h('div', { class: 'bt-chart', id: 'bt-equity' });
    const tradesEl = h('div', { class: 'bt-chart', id: 'bt-trades' });
    const denials = Object.entries(r.denials).sort((x, y) => y[1] - x[1]);
    fill(
      this.el.report,
      h(
        'h3',
        {},
        `Report: ${r.title || r.id}`,
        h('span', { class: 'muted small' }, ` ${r.from ? shortTime(r.from) : ''} → ${r.to ? shortTime(r.to) : ''}`),
      ),
      metricsTable(r.metrics, r.benchmark),
      h('h4', {}, 'Equity vs buy-and-hold, drawdown beneath'),
      equityEl,
      h('h4', {}, `Fills on the price (${r.fills.length})`),
      tradesEl,
      h(
        'div',
        { class: 'bt-events' },
        h(
          'div',
          {},
          h('h4', {}, 'Orders denied'),
          denials.length
            ? h('ul', { class: 'denials' }, ...denials.map(([code, n]) => h('li', {}, h('b', {}, code), ` × ${n}`)))
            : h('p', { class: 'muted' }, 'None.'),
        ),
        h(
          'div',
          {},
          h('h4', {}, 'Halts of the risk governor'),
          r.halts.length
            ? h(
                'ul',
                { class: 'halts' },
                ...r.halts.map((x) => h('li', {}, `${shortTime(x.time)} ${x.symbol} `, h('b', {}, x.code), `: ${x.reason}`)),
              )
            : h('p', { class: 'muted' }, 'None.'),
        ),
      ),
      tradesTable(r),
    );
    this.el.report.dataset.run = r.id;
    this.el.report.dataset.points = String(r.equity.length);
    this.charts.push(equityChart(equityEl, r));
    const trades = tradesChart(tradesEl, r);
    this.charts.push(trades.chart);
    this.el.report.dataset.markers = String(trades.markers);
    this.el.report.scrollIntoView({ block: 'nearest' });
  }
}

function progressBar(status: string, progress: number): HTMLElement {
  if (status !== 'running' && status !== 'queued') return h('span', { class: `bt-${status}` }, status);
  return h(
    'span',
    { class: 'bt-progress' },
    h('progress', { max: 1, value: progress }),
    h('span', { class: 'small' }, status === 'queued' ? 'queued' : pct(progress, 0)),
  );
}

function metricsTable(m: Metrics, b: Metrics | null): HTMLElement {
  return h(
    'table',
    { class: 'compare metrics' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Run'), h('th', {}, 'Buy & hold'))),
    h(
      'tbody',
      {},
      ...METRICS.map(([key, label, kind]) =>
        h(
          'tr',
          {},
          h('td', {}, label),
          h('td', { class: 'num' }, metricText(m, key, kind)),
          h('td', { class: 'num' }, metricText(b, key, kind)),
        ),
      ),
    ),
  );
}

function tradesTable(r: BacktestReport): HTMLElement {
  if (!r.trades.length) return h('p', { class: 'muted' }, 'No closed trades.');
  const rows = r.trades
    .slice(-50)
    .reverse()
    .map((t) =>
      h(
        'tr',
        {},
        h('td', {}, t.symbol),
        h('td', {}, t.side),
        h('td', {}, shortTime(t.entry_time)),
        h('td', {}, shortTime(t.exit_time)),
        h('td', { class: 'num' }, money(t.entry_price)),
        h('td', { class: 'num' }, money(t.exit_price)),
        h('td', { class: `num ${t.pnl > 0 ? 'up' : t.pnl < 0 ? 'down' : ''}` }, money(t.pnl)),
      ),
    );
  return h(
    'details',
    {},
    h('summary', {}, `Closed trades (${r.trades.length}${r.trades.length > 50 ? ', newest 50 shown' : ''})`),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...['Symbol', 'Side', 'Entry', 'Exit', 'Entry px', 'Exit px', 'PnL'].map((x) => h('th', {}, x)))),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

/** Settings in which two runs differ (data, protocol, strategy, risk): what explains the metrics apart. */
function settingsDiff(a: BacktestRun, b: BacktestRun): [string, string, string][] {
  const flat = (r: BacktestRun): Record<string, string> => {
    const out: Record<string, string> = {};
    const { settings, params, ...rest } = r.params;
    for (const [k, v] of Object.entries(rest)) if (v !== null && typeof v !== 'object') out[k] = String(v);
    for (const [k, v] of Object.entries({ ...(r.result?.settings ?? {}), ...(settings ?? {}) }))
      if (typeof v !== 'object') out[k] = String(v);
    if (params && typeof params === 'object') for (const [k, v] of Object.entries(params)) out[`param ${k}`] = String(v);
    if (r.result) out.range = `${r.result.from.slice(0, 10)} → ${r.result.to.slice(0, 10)}`;
    return out;
  };
  const x = flat(a);
  const y = flat(b);
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  return keys.filter((k) => x[k] !== y[k]).map((k) => [k, x[k] ?? '-', y[k] ?? '-']);
}
