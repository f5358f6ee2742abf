import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionRow, EquityRow } from '../backtest/memory-cycle-store.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import type { RoundTrip } from '../backtest/trades.js';
import type { ExecutionReport } from '../domain/order.js';
import { writeParquet } from './parquet.js';
import { runDir } from './run-path.js';
import { lineChartSvg } from './svg-chart.js';
import { type Table, tableOf, toCsv } from './tables.js';

/** Everything a run report shows; backtests, walk-forwards and paper sessions all fill it. */
export interface RunReportInput {
  readonly kind: 'backtest' | 'walk-forward' | 'gate' | 'montecarlo' | 'paper';
  readonly title: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly data: {
    readonly symbols: readonly string[];
    readonly interval: string;
    readonly from: number;
    readonly to: number;
    readonly candles: number;
  };
  readonly versions: Readonly<Record<string, string>>;
  readonly metrics: BacktestMetrics;
  readonly benchmark?: BacktestMetrics;
  readonly trades: readonly RoundTrip[];
  readonly orders: readonly ExecutionReport[];
  readonly decisions: readonly DecisionRow[];
  readonly equity: readonly EquityRow[];
  readonly benchmarkEquity?: readonly EquityRow[];
  /** Further Markdown sections (walk-forward windows, Monte Carlo, gate verdict). */
  readonly sections?: readonly string[];
}

export interface WrittenReport {
  readonly id: string;
  readonly dir: string;
  readonly files: readonly string[];
  /** Why Parquet is missing, when it is. */
  readonly parquetError: string | null;
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '');

/** `<kind>-YYYYMMDDTHHMMSS-<6 hex>` from the run's wall time: sortable, unique across concurrent runs. */
export function newRunId(kind: string, now: number): string {
  return `${kind}-${new Date(now).toISOString().slice(0, 19).replace(/[-:]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Writes `<reportsDir>/run_<id>/`: trades, orders, decisions and equity as CSV and Parquet, `equity.svg`
 * (the run against buy-and-hold) and `summary.md` (metrics side by side, parameters, data range, versions).
 * A Parquet failure is reported in the summary, never lost silently, and the CSVs are still written.
 */
export async function writeRunReport(reportsDir: string, id: string, input: RunReportInput): Promise<WrittenReport> {
  const dir = runDir(reportsDir, id, 'id');
  mkdirSync(dir, { recursive: true });
  const tables: Record<string, Table> = {
    trades: tableOf(input.trades, {
      symbol: (t) => t.symbol,
      side: (t) => t.side,
      entry_time: (t) => iso(t.entryTime),
      exit_time: (t) => iso(t.exitTime),
      quantity: (t) => t.quantity,
      entry_price: (t) => t.entryPrice,
      exit_price: (t) => t.exitPrice,
      fees: (t) => t.fees,
      pnl: (t) => t.pnl,
      return_on_equity: (t) => t.returnOnEquity,
    }),
    orders: tableOf(input.orders, {
      order_id: (o) => o.orderId,
      time: (o) => iso(o.time),
      symbol: (o) => o.symbol,
      action: (o) => o.action,
      status: (o) => o.status,
      quantity: (o) => o.quantity,
      price: (o) => o.price,
      execution_price: (o) => o.executionPrice,
      fee: (o) => o.fee,
      reason: (o) => o.reason,
    }),
    decisions: tableOf(input.decisions, {
      cycle_id: (d) => d.cycleId,
      time: (d) => iso(d.time),
      symbol: (d) => d.decision.symbol,
      strategy: (d) => d.decision.strategy,
      action: (d) => d.decision.action,
      confidence: (d) => d.decision.confidence,
      model_version: (d) => d.decision.modelVersion,
      reason: (d) => d.decision.reason,
    }),
    equity: equityTable(input.equity, input.benchmarkEquity),
  };
  const files: string[] = [];
  let parquetError: string | null = null;
  for (const [name, table] of Object.entries(tables)) {
    writeFileSync(join(dir, `${name}.csv`), toCsv(table));
    files.push(`${name}.csv`);
    if (parquetError === null) {
      try {
        await writeParquet(join(dir, `${name}.parquet`), table);
        files.push(`${name}.parquet`);
      } catch (error) {
        parquetError = (error as Error).message;
      }
    }
  }
  const svg = lineChartSvg(`${input.title}: equity vs buy-and-hold`, [
    { name: input.title, color: '#1f6feb', times: input.equity.map((e) => e.time), values: input.equity.map((e) => e.equity) },
    ...(input.benchmarkEquity
      ? [
          {
            name: 'buy-and-hold',
            color: '#999999',
            times: input.benchmarkEquity.map((e) => e.time),
            values: input.benchmarkEquity.map((e) => e.equity),
          },
        ]
      : []),
  ]);
  writeFileSync(join(dir, 'equity.svg'), svg);
  files.push('equity.svg');
  writeFileSync(join(dir, 'summary.md'), summaryMarkdown(id, input, parquetError));
  files.push('summary.md');
  return { id, dir, files, parquetError };
}

/**
 * Writes `<reportsDir>/run_<id>/summary.md` only: for research whose input is another run's trades (Monte
 * Carlo of `--run <id>`), so there are no new trades or equity to tabulate.
 */
export function writeSectionsReport(reportsDir: string, id: string, title: string, sections: readonly string[]): WrittenReport {
  const dir = runDir(reportsDir, id, 'id');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.md'), [`# ${title}`, '', `Run \`${id}\`.`, '', ...sections.flatMap((s) => [s, ''])].join('\n'));
  return { id, dir, files: ['summary.md'], parquetError: null };
}

function equityTable(equity: readonly EquityRow[], bench?: readonly EquityRow[]): Table {
  const byTime = new Map((bench ?? []).map((b) => [b.time, b.equity]));
  return tableOf(equity, {
    time: (e) => iso(e.time),
    equity: (e) => e.equity,
    cash: (e) => e.cash,
    exposure: (e) => e.exposure,
    buy_and_hold: (e) => byTime.get(e.time) ?? null,
  });
}

const METRIC_ROWS: readonly [keyof BacktestMetrics, string, 'pct' | 'num' | 'money' | 'int' | 'dur'][] = [
  ['total_return', 'Total return', 'pct'],
  ['cagr', 'CAGR', 'pct'],
  ['sharpe', 'Sharpe (annualised)', 'num'],
  ['sortino', 'Sortino (annualised)', 'num'],
  ['max_drawdown', 'Max drawdown', 'pct'],
  ['max_drawdown_duration_ms', 'Max drawdown duration', 'dur'],
  ['max_drawdown_duration_bars', 'Max drawdown duration (bars traded)', 'int'],
  ['hole_return', 'Return across holes (not in Sharpe/CAGR)', 'pct'],
  ['profit_factor', 'Profit factor', 'num'],
  ['win_rate', 'Win rate', 'pct'],
  ['n_trades', 'Trades (closed round trips)', 'int'],
  ['avg_trade', 'Average trade (net)', 'money'],
  ['exposure', 'Exposure (time in market)', 'pct'],
  ['turnover', 'Turnover (x mean equity)', 'num'],
  ['fees', 'Fees paid', 'money'],
  ['final_equity', 'Final equity', 'money'],
];

function fmtMetric(v: number | null, kind: 'pct' | 'num' | 'money' | 'int' | 'dur'): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  switch (kind) {
    case 'pct':
      return `${(v * 100).toFixed(2)} %`;
    case 'money':
      return v.toFixed(2);
    case 'int':
      return String(v);
    case 'dur':
      return `${(v / 86_400_000).toFixed(1)} days`;
    default:
      return v.toFixed(3);
  }
}

/** The metrics of a run and of buy-and-hold as one Markdown table. */
export function metricsTable(m: BacktestMetrics, b?: BacktestMetrics): string {
  const head = b ? '| metric | strategy | buy-and-hold |\n|---|---:|---:|' : '| metric | value |\n|---|---:|';
  const rows = METRIC_ROWS.map(([k, label, kind]) => {
    const mine = fmtMetric(m[k] as number | null, kind);
    return b ? `| ${label} | ${mine} | ${fmtMetric(b[k] as number | null, kind)} |` : `| ${label} | ${mine} |`;
  });
  return [head, ...rows].join('\n');
}

function summaryMarkdown(id: string, input: RunReportInput, parquetError: string | null): string {
  const d = input.data;
  const lines = [
    `# ${input.title}`,
    '',
    `Run \`${id}\` (${input.kind}). Paper simulation over recorded candles: no strategy here has a proven edge; compare with buy-and-hold.`,
    '',
    '## Metrics',
    '',
    metricsTable(input.metrics, input.benchmark),
    '',
    '![equity vs buy-and-hold](equity.svg)',
    '',
    '## Data',
    '',
    `- symbols: ${d.symbols.join(', ')}`,
    `- interval: ${d.interval}`,
    `- traded from ${iso(d.from)} to ${iso(d.to)} (${d.candles} candle times)`,
    '',
    '## Parameters',
    '',
    ...Object.entries(input.parameters).map(([k, v]) => `- ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
    '',
    '## Versions',
    '',
    ...Object.entries(input.versions).map(([k, v]) => `- ${k}: ${v}`),
    '',
    ...(input.sections ?? []).flatMap((s) => [s, '']),
    '## Files',
    '',
    '- trades, orders, decisions, equity: `.csv`' + (parquetError ? '' : ' and `.parquet`'),
    ...(parquetError ? [`- Parquet not written: ${parquetError}`] : []),
    '',
  ];
  return lines.join('\n');
}
