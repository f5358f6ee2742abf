import './perf.css';
import { h, money, num, pct, signed, when } from './dom.js';

/** GET /api/performance (see /openapi.json, schema Performance). */
export interface TradeStats {
  trades: number;
  wins: number;
  losses: number;
  win_rate: number | null;
  profit_factor: number | null;
  net_pnl: number;
  fees: number;
  avg_pnl: number | null;
  avg_holding_ms: number | null;
  best: number | null;
  worst: number | null;
}

export interface ClosedTrade {
  symbol: string;
  side: 'LONG' | 'SHORT';
  entry_time: string;
  exit_time: string;
  entry_price: number;
  exit_price: number;
  quantity: number;
  fees: number;
  net_pnl: number;
  pnl_pct: number;
  holding_ms: number;
  strategy: string;
  exit_reason: string;
}

export interface Performance {
  trades: ClosedTrade[];
  summary: TradeStats & { max_drawdown: number; current_drawdown: number };
  by_symbol: Array<TradeStats & { symbol: string }>;
  by_strategy: Array<TradeStats & { strategy: string }>;
  daily: Array<{ day: string; pnl: number; trades: number }>;
}

const tone = (v: number) => (v > 0 ? 'up' : v < 0 ? 'down' : '');
const stat = (label: string, value: string, cls = '', testid?: string) =>
  h('div', { class: 'stat' }, h('span', { class: 'label' }, label), h('span', { class: `value ${cls}`, 'data-testid': testid }, value));

/** 95 000 ms -> `1m 35s`; 3 days -> `3d 0h`: the two largest units. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const hr = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${m}m`;
  return `${m}m ${s % 60}s`;
}

const price = (v: number) => (v >= 100 ? money(v) : v.toPrecision(6));

function statsRow(s: Performance['summary']): HTMLElement {
  return h(
    'div',
    { class: 'stats perf-stats' },
    stat('Trades', `${s.trades} (${s.wins}W/${s.losses}L)`, '', 'perf-trades'),
    stat('Win rate', s.win_rate === null ? '-' : pct(s.win_rate, 1), '', 'perf-win-rate'),
    stat('Profit factor', s.profit_factor === null ? (s.trades > 0 ? 'no loss' : '-') : num(s.profit_factor), '', 'perf-pf'),
    stat('Net PnL', signed(s.net_pnl), tone(s.net_pnl), 'perf-net'),
    stat('Max drawdown', pct(s.max_drawdown), s.max_drawdown > 0 ? 'down' : '', 'perf-dd'),
    stat('Avg hold', s.avg_holding_ms === null ? '-' : duration(s.avg_holding_ms)),
  );
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Net PnL per UTC day of exit as bars around a zero line; the last 30 days with an exit. */
export function dailyBars(days: Performance['daily']): HTMLElement {
  const shown = days.slice(-30);
  const wrap = h('div', { class: 'perf-daily', 'data-days': shown.length });
  if (!shown.length) {
    wrap.append(h('p', { class: 'muted small' }, 'No closed trades yet.'));
    return wrap;
  }
  const W = 600;
  const H = 110;
  const pad = 16;
  const max = Math.max(...shown.map((d) => Math.abs(d.pnl)), 1e-9);
  const zero = H / 2;
  const step = (W - 2 * pad) / shown.length;
  const bar = Math.max(2, Math.min(28, step * 0.7));
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H + 16}`, role: 'img', 'aria-label': 'daily net PnL' });
  chart.append(svg('line', { x1: pad, x2: W - pad, y1: zero, y2: zero, class: 'zero' }));
  shown.forEach((d, i) => {
    const hgt = Math.max(1, (Math.abs(d.pnl) / max) * (zero - 6));
    const x = pad + i * step + (step - bar) / 2;
    const rect = svg('rect', { x, y: d.pnl >= 0 ? zero - hgt : zero, width: bar, height: hgt, class: d.pnl >= 0 ? 'bar up' : 'bar down' });
    const title = svg('title', {});
    title.textContent = `${d.day}: ${signed(d.pnl)} over ${d.trades} trade${d.trades === 1 ? '' : 's'}`;
    rect.append(title);
    chart.append(rect);
  });
  // First and last day only: labels never collide however many days there are.
  const first = svg('text', { x: pad, y: H + 12, class: 'axis' });
  first.textContent = shown[0].day;
  chart.append(first);
  if (shown.length > 1) {
    const last = svg('text', { x: W - pad, y: H + 12, class: 'axis end' });
    last.textContent = shown[shown.length - 1].day;
    chart.append(last);
  }
  wrap.append(chart);
  return wrap;
}

function groupTable(title: string, rows: Array<TradeStats & { name: string }>): HTMLElement {
  return h(
    'table',
    { class: 'perf-group' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, title),
        h('th', { class: 'num' }, 'Trades'),
        h('th', { class: 'num' }, 'Win'),
        h('th', { class: 'num' }, 'PF'),
        h('th', { class: 'num' }, 'Net'),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, r.name),
          h('td', { class: 'num' }, String(r.trades)),
          h('td', { class: 'num' }, r.win_rate === null ? '-' : pct(r.win_rate, 0)),
          h('td', { class: 'num' }, r.profit_factor === null ? '-' : num(r.profit_factor)),
          h('td', { class: `num ${tone(r.net_pnl)}` }, signed(r.net_pnl)),
        ),
      ),
    ),
  );
}

export function tradesTable(trades: readonly ClosedTrade[]): HTMLElement {
  const head = ['Exit', 'Symbol', 'Side', 'Qty', 'Entry', 'Exit price', 'Fees', 'Net PnL', '%', 'Held', 'Strategy', 'Exit reason'];
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'perf-trades' },
      h('thead', {}, h('tr', {}, ...head.map((c, i) => h('th', { class: i >= 3 && i <= 9 ? 'num' : '' }, c)))),
      h(
        'tbody',
        {},
        ...trades.map((t) =>
          h(
            'tr',
            { class: 'closed-trade' },
            h('td', { class: 'nowrap' }, when(t.exit_time)),
            h('td', {}, t.symbol),
            h('td', {}, t.side),
            h('td', { class: 'num' }, String(Number(t.quantity.toPrecision(6)))),
            h('td', { class: 'num nowrap', title: `entered ${when(t.entry_time)}` }, price(t.entry_price)),
            h('td', { class: 'num' }, price(t.exit_price)),
            h('td', { class: 'num' }, money(t.fees)),
            h('td', { class: `num ${tone(t.net_pnl)}` }, signed(t.net_pnl)),
            h('td', { class: `num ${tone(t.pnl_pct)}` }, pct(t.pnl_pct)),
            h('td', { class: 'num nowrap' }, duration(t.holding_ms)),
            h('td', {}, t.strategy),
            h('td', {}, h('span', { class: `badge exit-${t.exit_reason.toLowerCase()}` }, t.exit_reason)),
          ),
        ),
      ),
    ),
  );
}

/** The trades and performance card: totals, daily PnL bars, per symbol and per strategy, the closed trades. */
export function perfView(p: Performance): HTMLElement {
  return h(
    'div',
    { class: 'perf' },
    statsRow(p.summary),
    h(
      'div',
      { class: 'perf-row' },
      h('div', {}, h('h3', {}, 'Daily net PnL'), dailyBars(p.daily)),
      h(
        'div',
        { class: 'perf-groups' },
        groupTable(
          'Symbol',
          p.by_symbol.map((s) => ({ ...s, name: s.symbol })),
        ),
        groupTable(
          'Strategy',
          p.by_strategy.map((s) => ({ ...s, name: s.strategy })),
        ),
      ),
    ),
    h('h3', {}, `Closed trades (${p.trades.length}${p.trades.length < p.summary.trades ? ` of ${p.summary.trades}` : ''})`),
    p.trades.length
      ? tradesTable(p.trades)
      : h('p', { class: 'muted' }, 'No closed trades yet: a trade closes when its position is flat again.'),
  );
}
