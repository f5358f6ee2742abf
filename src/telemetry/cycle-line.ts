import type { Action } from '../domain/action.js';
import type { ExecutionReport } from '../domain/order.js';

/** What one console line says about a saved cycle (a CycleOutcome satisfies it). */
export interface CycleLineInput {
  readonly cycleId: number;
  readonly symbol: string;
  readonly decision: { readonly action: Action; readonly confidence: number };
  readonly reports: readonly ExecutionReport[];
  readonly portfolio: { readonly equity: number };
}

const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Enough decimals to see a tick move: 2 for prices from 100, 4 from 1, 6 below (XRP, memecoins). */
export function formatPrice(price: number): string {
  const decimals = price >= 100 ? 2 : price >= 1 ? 4 : 6;
  return price.toFixed(decimals);
}

/** The report that describes the cycle: a fill first, then a denial, then whatever came first. */
function mainReport(reports: readonly ExecutionReport[]): ExecutionReport | undefined {
  return reports.find((r) => r.status === 'FILLED') ?? reports.find((r) => r.status === 'REJECTED') ?? reports[0];
}

/**
 * One line per cycle for people watching the console:
 * `#12 BTCUSDT BUY p=0.55 FILLED 0.125 @ 8016.46 | equity 10,018.92`; a denial shows its reason code, a HOLD
 * shows SKIPPED.
 */
export function cycleLine(o: CycleLineInput): string {
  const head = `#${o.cycleId} ${o.symbol} ${o.decision.action} p=${o.decision.confidence.toFixed(2)}`;
  const report = mainReport(o.reports);
  let middle = report?.status ?? 'SKIPPED';
  if (report?.status === 'FILLED') middle += ` ${report.quantity} @ ${formatPrice(report.executionPrice ?? report.price)}`;
  else if (report?.status === 'REJECTED' && report.reason) middle += ` ${report.reason.split(':')[0]}`;
  return `${head} ${middle} | equity ${MONEY.format(o.portfolio.equity)}`;
}

/** The structured fields logged beside the line, so JSON logs carry the same facts. */
export function cycleFields(o: CycleLineInput): Record<string, unknown> {
  const report = mainReport(o.reports);
  return {
    cycle_id: o.cycleId,
    symbol: o.symbol,
    action: o.decision.action,
    confidence: o.decision.confidence,
    status: report?.status ?? 'SKIPPED',
    quantity: report?.quantity ?? 0,
    execution_price: report?.executionPrice ?? null,
    reason: report?.reason ?? null,
    equity: o.portfolio.equity,
  };
}
