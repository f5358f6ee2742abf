/**
 * Champion/challenger gate (seed 003, section 5): a candidate strategy is admitted to paper trading only with
 * PF in-sample >= 1.3, PF out-of-sample >= 1.1, MaxDD <= 1.3 x the portfolio's average MaxDD, correlation of
 * its returns with the portfolio's <= 0.4 and >= 200 trades after fees and spread. Every threshold is
 * configurable; the verdict lists every criterion with its measured value, so a refusal says exactly why.
 */

export interface GateThresholds {
  readonly minProfitFactorInSample: number;
  readonly minProfitFactorOutOfSample: number;
  /** Candidate MaxDD may be at most this multiple of the portfolio strategies' average MaxDD. */
  readonly maxDrawdownMultiple: number;
  readonly maxCorrelation: number;
  readonly minTrades: number;
}

export const DEFAULT_GATE: GateThresholds = {
  minProfitFactorInSample: 1.3,
  minProfitFactorOutOfSample: 1.1,
  maxDrawdownMultiple: 1.3,
  maxCorrelation: 0.4,
  minTrades: 200,
};

/** What the gate measures; null where a figure could not be computed (no losing trade, no portfolio). */
export interface GateInput {
  readonly candidate: string;
  /** Profit factors net of fees; null means "no losing trade" (treated as passing when there were trades). */
  readonly profitFactorInSample: number | null;
  readonly profitFactorOutOfSample: number | null;
  readonly tradesInSample: number;
  readonly tradesOutOfSample: number;
  readonly maxDrawdown: number;
  /** Average MaxDD of the strategies already enabled; null when the portfolio is empty. */
  readonly portfolioAvgMaxDrawdown: number | null;
  /** Correlation of per-bar returns with the portfolio's; null when the portfolio is empty or flat. */
  readonly correlation: number | null;
  /** Closed trades over the whole period, after fees (in-sample + out-of-sample). */
  readonly trades: number;
}

export interface GateCriterion {
  readonly name: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly comparison: '>=' | '<=';
  readonly passed: boolean;
  readonly note?: string;
}

export interface GateVerdict {
  readonly candidate: string;
  readonly passed: boolean;
  readonly criteria: readonly GateCriterion[];
}

/** Applies every criterion; the candidate passes only when all pass. */
export function evaluateGate(input: GateInput, thresholds: GateThresholds = DEFAULT_GATE): GateVerdict {
  const pf = (name: string, value: number | null, trades: number, threshold: number): GateCriterion =>
    value === null
      ? {
          name,
          value: null,
          threshold,
          comparison: '>=',
          passed: trades > 0,
          note: trades > 0 ? 'no losing trade (profit factor unbounded)' : 'no trades',
        }
      : { name, value, threshold, comparison: '>=', passed: value >= threshold };
  const ddLimit = input.portfolioAvgMaxDrawdown === null ? null : thresholds.maxDrawdownMultiple * input.portfolioAvgMaxDrawdown;
  const criteria: GateCriterion[] = [
    pf('profit_factor_in_sample', input.profitFactorInSample, input.tradesInSample, thresholds.minProfitFactorInSample),
    pf('profit_factor_out_of_sample', input.profitFactorOutOfSample, input.tradesOutOfSample, thresholds.minProfitFactorOutOfSample),
    ddLimit === null
      ? {
          name: 'max_drawdown',
          value: input.maxDrawdown,
          threshold: Number.NaN,
          comparison: '<=',
          passed: true,
          note: 'empty portfolio: no average MaxDD to compare with',
        }
      : {
          name: 'max_drawdown',
          value: input.maxDrawdown,
          threshold: ddLimit,
          comparison: '<=',
          passed: input.maxDrawdown <= ddLimit,
          note: `${thresholds.maxDrawdownMultiple} x portfolio average ${input.portfolioAvgMaxDrawdown!.toFixed(4)}`,
        },
    input.correlation === null
      ? {
          name: 'correlation_with_portfolio',
          value: null,
          threshold: thresholds.maxCorrelation,
          comparison: '<=',
          passed: true,
          note: 'empty or flat portfolio: nothing to correlate with',
        }
      : {
          name: 'correlation_with_portfolio',
          value: input.correlation,
          threshold: thresholds.maxCorrelation,
          comparison: '<=',
          passed: input.correlation <= thresholds.maxCorrelation,
        },
    {
      name: 'n_trades',
      value: input.trades,
      threshold: thresholds.minTrades,
      comparison: '>=',
      passed: input.trades >= thresholds.minTrades,
    },
  ];
  return { candidate: input.candidate, passed: criteria.every((c) => c.passed), criteria };
}

/** The verdict as a Markdown table (CLI and reports). */
export function gateTable(v: GateVerdict): string {
  const fmt = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : Number.isInteger(x) ? String(x) : x.toFixed(4));
  const rows = v.criteria.map(
    (c) => `| ${c.name} | ${fmt(c.value)} | ${c.comparison} ${fmt(c.threshold)} | ${c.passed ? 'PASS' : 'FAIL'} | ${c.note ?? ''} |`,
  );
  return [
    `Gate for ${v.candidate}: ${v.passed ? 'PASSED' : 'FAILED'}`,
    '',
    '| criterion | value | threshold | result | note |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
