import type { RunReportInput } from '../reports/run-report.js';
import { holesJson, holesMarkdown } from './holes.js';
import type { BacktestResult } from './runner.js';

/** A backtest result as a run report's input. */
export function backtestReportInput(
  r: BacktestResult,
  kind: RunReportInput['kind'],
  parameters: Readonly<Record<string, unknown>>,
  versions: Readonly<Record<string, string>>,
  sections: readonly string[] = [],
): RunReportInput {
  return {
    kind,
    title: `${r.strategy} on ${r.symbols.join(', ')} ${r.interval}`,
    parameters,
    data: { symbols: r.symbols, interval: r.interval, from: r.from, to: r.to, candles: r.equity.length },
    versions,
    metrics: r.metrics,
    benchmark: r.benchmark,
    trades: r.trades,
    orders: r.orders,
    decisions: r.decisions,
    equity: r.equity,
    benchmarkEquity: r.benchmarkEquity,
    sections: [holesMarkdown(r.holes), ...sections],
  };
}

/** The CLI's `--json` body: metrics and buy-and-hold side by side, trades and the equity curve. */
export function backtestJson(r: BacktestResult): Record<string, unknown> {
  return {
    strategy: r.strategy,
    symbols: r.symbols,
    interval: r.interval,
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    cycles: r.cycles,
    metrics: r.metrics,
    benchmark: r.benchmark,
    trades: r.trades.map((t) => ({ ...t, entryTime: new Date(t.entryTime).toISOString(), exitTime: new Date(t.exitTime).toISOString() })),
    equity: r.equity.map((e) => ({ time: new Date(e.time).toISOString(), equity: e.equity })),
    unfilled_at_end: r.unfilledAtEnd,
    holes: holesJson(r.holes),
    elapsed_ms: Math.round(r.elapsedMs),
  };
}
