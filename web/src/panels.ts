import { h, money, num, pct, shortTime, signed } from './dom.js';
import type { Portfolio, RiskState, ScanReport } from './types.js';

/** A row of the decisions feed: a decision joined with what execution made of it. */
export interface FeedRow {
  cycle_id: number;
  time: string;
  symbol: string;
  action: string;
  confidence: number | null;
  reason: string;
  model_version: string | null;
  strategy: string | null;
  status: string | null;
  /** Why risk or execution refused the order (REJECTED). */
  rejected: string | null;
}

const stat = (label: string, value: string, cls = '') =>
  h('div', { class: 'stat' }, h('span', { class: 'label' }, label), h('span', { class: `value ${cls}` }, value));
const tone = (v: number) => (v > 0 ? 'up' : v < 0 ? 'down' : '');

export function portfolioView(p: Portfolio, risk: RiskState | null): HTMLElement {
  const pnl = p.realized_pnl + p.unrealized_pnl - p.fees_paid;
  const stats = h(
    'div',
    { class: 'stats' },
    stat('Equity', money(p.equity)),
    stat('Cash', money(p.cash)),
    stat('PnL (net of fees)', signed(pnl), tone(pnl)),
    stat('Today', signed(p.daily_pnl), tone(p.daily_pnl)),
    stat('Drawdown', risk ? pct(risk.drawdown) : '-', risk && risk.drawdown > 0 ? 'down' : ''),
    stat('Fees', money(p.fees_paid)),
  );
  const rows = p.positions.map((x) =>
    h(
      'tr',
      {},
      h('td', {}, x.symbol),
      h('td', { class: 'num' }, String(x.quantity)),
      h('td', { class: 'num' }, money(x.avg_price)),
      h('td', { class: 'num' }, money(x.mark_price)),
      h('td', { class: `num ${tone(x.unrealized_pnl)}` }, signed(x.unrealized_pnl)),
    ),
  );
  const table = p.positions.length
    ? h(
        'table',
        { class: 'positions' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'Position'), h('th', {}, 'Qty'), h('th', {}, 'Avg'), h('th', {}, 'Mark'), h('th', {}, 'Unreal.')),
        ),
        h('tbody', {}, ...rows),
      )
    : h('p', { class: 'muted' }, 'No open positions.');
  return h('div', {}, stats, table);
}

export function riskView(risk: RiskState): HTMLElement {
  return h(
    'div',
    { class: 'risk-detail' },
    h('span', { class: `badge risk-${risk.state.toLowerCase()}`, 'data-testid': 'risk-state' }, risk.state),
    risk.reason ? h('span', { class: 'muted' }, ` ${risk.reason}`) : null,
    h(
      'span',
      { class: 'muted small' },
      ` daily loss ${pct(risk.daily_loss)} / ${pct(risk.limits.max_daily_loss, 0)}, drawdown ${pct(risk.drawdown)} / ${pct(risk.limits.max_drawdown, 0)}`,
    ),
  );
}

export function feedRow(r: FeedRow): HTMLElement {
  const status = r.status ?? '…';
  return h(
    'li',
    { class: `feed-row ${r.action.toLowerCase()}`, 'data-cycle': r.cycle_id },
    h(
      'div',
      { class: 'feed-head' },
      h('span', { class: `badge act-${r.action.toLowerCase()}` }, r.action),
      h('span', { class: 'sym' }, r.symbol),
      h('span', { class: 'muted' }, r.confidence === null ? '' : num(r.confidence)),
      h('span', { class: `status st-${status.toLowerCase()}` }, status),
      h('span', { class: 'muted time' }, `#${r.cycle_id} ${shortTime(r.time)}`),
    ),
    h('div', { class: 'feed-reason' }, r.reason, h('span', { class: 'muted' }, ` · ${r.strategy ?? 'model'} · ${r.model_version ?? '-'}`)),
    r.rejected ? h('div', { class: 'rejected' }, `REJECTED: ${r.rejected}`) : null,
  );
}

export function scannerView(report: ScanReport): HTMLElement {
  const top = report.top.slice(0, 3);
  if (!top.length)
    return h('p', { class: 'muted' }, `No setups in the last scan (${shortTime(report.generated_at)}). ${report.reason_fewer ?? ''}`);
  return h(
    'div',
    {},
    h('p', { class: 'muted small' }, `${report.venue}, ${shortTime(report.generated_at)}`),
    h(
      'ol',
      { class: 'scanner' },
      ...top.map((o) =>
        h(
          'li',
          {},
          h('b', {}, o.symbol),
          ` ${o.setup} · entry ${o.entry} stop ${o.stop} target ${o.target} · R:R ${num(o.rr, 1)} · confluence ${num(o.confluence)}`,
          o.probability.estimate !== null ? ` · p ${pct(o.probability.estimate, 0)} (n=${o.probability.sample})` : '',
          h('div', { class: 'muted small' }, o.reason),
        ),
      ),
    ),
  );
}
