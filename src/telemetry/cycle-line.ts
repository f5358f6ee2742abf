import type { Action } from '../domain/action.js';
import type { ExecutionReport } from '../domain/order.js';

/** What one console line says about a saved cycle (a CycleOutcome satisfies it). */
export interface CycleLineInput {
  readonly cycleId: number;
  readonly symbol: string;
  readonly decision: { readonly action: Action; readonly confidence: number };
  /** This cycle's decision's own order: FILLED, REJECTED, SKIPPED or PENDING (next-open fills). */
  readonly decisionReport: ExecutionReport;
  /** Orders of earlier decisions that settled at this cycle's start. */
  readonly settled: readonly ExecutionReport[];
  readonly portfolio: { readonly equity: number };
}

const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Enough decimals to see a tick move: 2 for prices from 100, 4 from 1, 6 below (XRP, memecoins). */
export function formatPrice(price: number): string {
  const decimals = price >= 100 ? 2 : price >= 1 ? 4 : 6;
  return price.toFixed(decimals);
}

/** `FILLED 0.125 @ 8016.46`, `REJECTED NO_POSITION`, `PENDING 0.125 next open`, `SKIPPED`. */
function outcomeText(report: ExecutionReport): string {
  if (report.status === 'FILLED') return `FILLED ${report.quantity} @ ${formatPrice(report.executionPrice ?? report.price)}`;
  if (report.status === 'REJECTED' && report.reason) return `REJECTED ${report.reason.split(':')[0]}`;
  if (report.status === 'PENDING') return `PENDING ${report.quantity} next open`;
  return report.status;
}

/**
 * One line per cycle for people watching the console:
 * `#12 BTCUSDT BUY p=0.55 FILLED 0.125 @ 8016.46 | equity 10,018.92`; a denial shows its reason code, a HOLD
 * shows SKIPPED. With next-open fills the decision is PENDING and the earlier order that filled at this
 * cycle's open is named on its own: `#13 BTCUSDT SELL p=0.61 PENDING 0.125 next open | settled BUY FILLED 0.125 @ 8016.46 | equity ...`,
 * so a fill is never read as the new decision's.
 */
export function cycleLine(o: CycleLineInput): string {
  const head = `#${o.cycleId} ${o.symbol} ${o.decision.action} p=${o.decision.confidence.toFixed(2)}`;
  const settled = o.settled.map((r) => ` | settled ${r.action} ${outcomeText(r)}`).join('');
  return `${head} ${outcomeText(o.decisionReport)}${settled} | equity ${MONEY.format(o.portfolio.equity)}`;
}

/** The structured fields logged beside the line, so JSON logs carry the same facts. */
export function cycleFields(o: CycleLineInput): Record<string, unknown> {
  const report = o.decisionReport;
  return {
    cycle_id: o.cycleId,
    symbol: o.symbol,
    action: o.decision.action,
    confidence: o.decision.confidence,
    status: report.status,
    quantity: report.quantity,
    execution_price: report.executionPrice,
    reason: report.reason,
    settled: o.settled.map((r) => ({
      order_id: r.orderId,
      action: r.action,
      status: r.status,
      quantity: r.quantity,
      execution_price: r.executionPrice,
      reason: r.reason,
    })),
    equity: o.portfolio.equity,
  };
}
