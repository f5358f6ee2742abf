import { drawdown } from '../backtest/metrics.js';
import { pairFills, type RoundTrip } from '../backtest/trades.js';
import type { Fill } from '../domain/order.js';

/** A stored fill with what the cycle that made it knew: the decision's strategy, a stop's reason. */
export interface AttributedFill extends Fill {
  /** The strategy of the decision that placed the order; null for stop fills and model decisions without one. */
  readonly strategy: string | null;
  /** STOP_LOSS / TAKE_PROFIT for stop fills; null for ordinary fills. */
  readonly reason: string | null;
}

/** One closed round trip as the trades table shows it. */
export interface ClosedTrade extends RoundTrip {
  /** Strategy of the decision that opened the trade ("model" when the decision named none). */
  readonly strategy: string;
  /** Why it closed: STOP_LOSS, TAKE_PROFIT, or SIGNAL (a decision sold or bought back). */
  readonly exitReason: string;
  readonly holdingMs: number;
  /** Net PnL over the money put in at entry (entry price x quantity). */
  readonly pnlPct: number;
}

/** Totals over a set of closed trades. */
export interface TradeStats {
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  /** null without trades. */
  readonly winRate: number | null;
  /** Gross profit / gross loss; null without a losing trade. */
  readonly profitFactor: number | null;
  readonly netPnl: number;
  readonly fees: number;
  readonly avgPnl: number | null;
  readonly avgHoldingMs: number | null;
  readonly best: number | null;
  readonly worst: number | null;
}

export interface DailyPnl {
  /** UTC day of the exits, YYYY-MM-DD. */
  readonly day: string;
  readonly pnl: number;
  readonly trades: number;
}

export interface PerformanceReport {
  /** Newest exit first. */
  readonly trades: readonly ClosedTrade[];
  readonly summary: TradeStats & {
    /** Largest peak-to-trough fall of the equity curve (fraction of the peak). */
    readonly maxDrawdown: number;
    /** Fall of the newest equity point below the curve's peak (fraction of the peak). */
    readonly currentDrawdown: number;
  };
  readonly bySymbol: ReadonlyArray<TradeStats & { readonly symbol: string }>;
  readonly byStrategy: ReadonlyArray<TradeStats & { readonly strategy: string }>;
  /** Oldest day first; only days with an exit. */
  readonly daily: readonly DailyPnl[];
}

/**
 * Closed trades and their statistics from an account's fills (oldest first) and equity curve (oldest first).
 * Fills are paired into round trips by the backtest's own pairing (backtest/trades.ts), so a paper account and
 * a backtest count trades, wins and profit factor the same way. A position still open is not a trade yet.
 */
export function performanceReport(
  fills: readonly AttributedFill[],
  equity: ReadonlyArray<{ readonly time: number; readonly equity: number }>,
  barMs: number,
): PerformanceReport {
  const curve = equity.map((e) => ({ time: e.time, equity: e.equity, cash: 0, exposure: 0 }));
  const closed: ClosedTrade[] = pairFills(fills, curve).map(({ trip, entry, exit }) => ({
    ...trip,
    strategy: entry.strategy ?? 'model',
    exitReason: exit.reason ?? 'SIGNAL',
    holdingMs: trip.exitTime - trip.entryTime,
    pnlPct: trip.pnl / (trip.entryPrice * trip.quantity),
  }));
  const dd = curve.length > 0 ? drawdown(curve, curve[0].equity, barMs).max : 0;
  let peak = Number.NEGATIVE_INFINITY;
  for (const e of curve) peak = Math.max(peak, e.equity);
  const last = curve.at(-1);
  return {
    trades: [...closed].reverse(),
    summary: { ...stats(closed), maxDrawdown: dd, currentDrawdown: last && peak > 0 ? 1 - last.equity / peak : 0 },
    bySymbol: groups(closed, (t) => t.symbol).map(([symbol, s]) => ({ symbol, ...s })),
    byStrategy: groups(closed, (t) => t.strategy).map(([strategy, s]) => ({ strategy, ...s })),
    daily: daily(closed),
  };
}

export function stats(trades: readonly ClosedTrade[]): TradeStats {
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let fees = 0;
  let held = 0;
  let best = Number.NEGATIVE_INFINITY;
  let worst = Number.POSITIVE_INFINITY;
  for (const t of trades) {
    if (t.pnl > 0) {
      wins++;
      grossWin += t.pnl;
    } else grossLoss -= t.pnl;
    fees += t.fees;
    held += t.holdingMs;
    best = Math.max(best, t.pnl);
    worst = Math.min(worst, t.pnl);
  }
  const n = trades.length;
  return {
    trades: n,
    wins,
    losses: n - wins,
    winRate: n > 0 ? wins / n : null,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : null,
    netPnl: grossWin - grossLoss,
    fees,
    avgPnl: n > 0 ? (grossWin - grossLoss) / n : null,
    avgHoldingMs: n > 0 ? held / n : null,
    best: n > 0 ? best : null,
    worst: n > 0 ? worst : null,
  };
}

/** Stats per key, largest net PnL first. */
function groups(trades: readonly ClosedTrade[], key: (t: ClosedTrade) => string): Array<[string, TradeStats]> {
  const by = new Map<string, ClosedTrade[]>();
  for (const t of trades) {
    const k = key(t);
    const list = by.get(k);
    if (list) list.push(t);
    else by.set(k, [t]);
  }
  return [...by.entries()].map(([k, list]): [string, TradeStats] => [k, stats(list)]).sort((a, b) => b[1].netPnl - a[1].netPnl);
}

function daily(trades: readonly ClosedTrade[]): DailyPnl[] {
  const by = new Map<string, { pnl: number; trades: number }>();
  for (const t of trades) {
    const day = new Date(t.exitTime).toISOString().slice(0, 10);
    const d = by.get(day) ?? { pnl: 0, trades: 0 };
    d.pnl += t.pnl;
    d.trades += 1;
    by.set(day, d);
  }
  return [...by.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([day, d]) => ({ day, ...d }));
}
