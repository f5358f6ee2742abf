import type { RunReportInput } from '../reports/run-report.js';
import { holesJson, holesMarkdown } from './holes.js';
import type { RunEvents } from './run-events.js';
import type { BacktestResult } from './runner.js';

/** A backtest result as a run report's input: the settings used first, then the run's own parameters. */
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
    parameters: { ...r.settings, ...parameters },
    data: { symbols: r.symbols, interval: r.interval, from: r.from, to: r.to, candles: r.equity.length },
    versions,
    metrics: r.metrics,
    benchmark: r.benchmark,
    trades: r.trades,
    orders: r.orders,
    decisions: r.decisions,
    equity: r.equity,
    benchmarkEquity: r.benchmarkEquity,
    sections: [holesMarkdown(r.holes), eventsSection(r.events), ...sections],
  };
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
/** Lists longer than this show their first entries and a count of the rest. */
const LIST_LIMIT = 20;

function capped<T>(items: readonly T[], line: (item: T) => string): string[] {
  const lines = items.slice(0, LIST_LIMIT).map(line);
  if (items.length > LIST_LIMIT) lines.push(`- ... and ${items.length - LIST_LIMIT} more`);
  return lines;
}

/**
 * "Why trades did and did not happen": denials by reason code, governor halts (when, why), stop-losses and
 * take-profits hit, and for the brain the regimes and strategy switches.
 */
export function eventsSection(e: RunEvents): string {
  const denials = Object.entries(e.denials).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  const stopLoss = e.stops.filter((s) => s.kind === 'STOP_LOSS').length;
  const takeProfit = e.stops.length - stopLoss;
  const out = ['## Why trades did and did not happen', '', '### Orders denied, by reason code', ''];
  if (denials.length === 0) out.push('None.');
  else out.push('| reason | orders |', '|---|---:|', ...denials.map(([code, n]) => `| ${code} | ${n} |`));
  out.push('', `### Halts of the risk governor: ${e.halts.length}`, '');
  out.push(...capped(e.halts, (h) => `- ${iso(h.time)} ${h.symbol} ${h.code}: ${h.reason}`));
  out.push('', `### Stops hit: ${stopLoss} stop-loss, ${takeProfit} take-profit`, '');
  out.push(...capped(e.stops, (s) => `- ${iso(s.time)} ${s.symbol} ${s.kind} ${s.quantity} at ${s.price}`));
  const regimes = Object.entries(e.regimeCycles);
  if (regimes.length > 0) {
    out.push('', '### Regimes (cycles in each)', '', '| regime | cycles |', '|---|---:|', ...regimes.map(([r, n]) => `| ${r} | ${n} |`));
    out.push('', `### Regime changes: ${e.regimeSwitches.length}`, '');
    out.push(...capped(e.regimeSwitches, (s) => `- ${iso(s.time)} ${s.symbol} ${s.from ?? '(none)'} -> ${s.to}`));
    out.push('', `### Strategy switches: ${e.strategySwitches.length}`, '');
    out.push(...capped(e.strategySwitches, (s) => `- ${iso(s.time)} ${s.symbol} ${s.regime}: [${s.enabled.join(', ')}]`));
  }
  return out.join('\n');
}

/** What the backtest store keeps of a finished run (`GET /api/backtests/:id` result), from the API or the CLI. */
export function backtestSummary(r: BacktestResult, reportDir: string | null): Record<string, unknown> {
  return {
    settings: r.settings,
    metrics: r.metrics,
    benchmark: r.benchmark,
    denials: r.events.denials,
    halts: r.events.halts.length,
    // The first halts with their reasons, for the dashboard's report (the full list is in summary.md).
    halt_events: r.events.halts.slice(0, LIST_LIMIT).map((h) => ({ ...h, time: new Date(h.time).toISOString() })),
    stops: r.events.stops.length,
    trades: r.trades.length,
    cycles: r.cycles,
    holes: holesJson(r.holes),
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    report: reportDir,
  };
}

/** The CLI's `--json` body: settings, metrics and buy-and-hold side by side, events, fills, trades and the equity curve. */
export function backtestJson(r: BacktestResult): Record<string, unknown> {
  return {
    strategy: r.strategy,
    symbols: r.symbols,
    interval: r.interval,
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
    cycles: r.cycles,
    settings: r.settings,
    metrics: r.metrics,
    benchmark: r.benchmark,
    denials: r.events.denials,
    halts: r.events.halts.map((h) => ({ ...h, time: new Date(h.time).toISOString() })),
    stops: r.events.stops.map((s) => ({ ...s, time: new Date(s.time).toISOString() })),
    regimes: r.events.regimeCycles,
    regime_switches: r.events.regimeSwitches.map((s) => ({ ...s, time: new Date(s.time).toISOString() })),
    strategy_switches: r.events.strategySwitches.map((s) => ({ ...s, time: new Date(s.time).toISOString() })),
    fills: r.fills.map((f) => ({ ...f, time: new Date(f.time).toISOString() })),
    trades: r.trades.map((t) => ({ ...t, entryTime: new Date(t.entryTime).toISOString(), exitTime: new Date(t.exitTime).toISOString() })),
    equity: r.equity.map((e) => ({ time: new Date(e.time).toISOString(), equity: e.equity, exposure: e.exposure })),
    unfilled_at_end: r.unfilledAtEnd,
    holes: holesJson(r.holes),
    elapsed_ms: Math.round(r.elapsedMs),
  };
}
