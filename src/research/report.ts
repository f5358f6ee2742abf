import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeParquet } from '../reports/parquet.js';
import { researchDir } from '../reports/run-path.js';
import { lineChartSvg } from '../reports/svg-chart.js';
import { type Table, tableOf, toCsv } from '../reports/tables.js';
import type { CampaignResult, CampaignTrial } from './campaign.js';
import type { Criterion, PerformanceStats } from './types.js';

export interface WrittenCampaignReport {
  readonly dir: string;
  readonly files: readonly string[];
  readonly parquetError: string | null;
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '');
const f = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(2)} %`);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function statsColumns<T>(prefix: string, get: (row: T) => PerformanceStats | null): Record<string, (row: T) => number | null> {
  return {
    [`${prefix}_sharpe`]: (r) => get(r)?.sharpe ?? null,
    [`${prefix}_sortino`]: (r) => get(r)?.sortino ?? null,
    [`${prefix}_calmar`]: (r) => get(r)?.calmar ?? null,
    [`${prefix}_profit_factor`]: (r) => get(r)?.profitFactor ?? null,
    [`${prefix}_trades`]: (r) => get(r)?.trades ?? null,
    [`${prefix}_net_return`]: (r) => get(r)?.netReturn ?? null,
    [`${prefix}_max_drawdown`]: (r) => get(r)?.maxDrawdown ?? null,
  };
}

/** Every trial, one row: status, parameters, search score, objective per training window, in/out of sample. */
export function trialsTable(r: CampaignResult): Table {
  const names = Object.keys(r.space.params);
  const cols: Record<string, (t: CampaignTrial) => number | string | null> = {
    trial: (t) => t.id,
    status: (t) => t.status,
    error: (t) => t.error ?? null,
    score: (t) => t.score,
  };
  for (const n of names) cols[`param_${n}`] = (t) => (t.params[n] === undefined ? null : String(t.params[n]));
  for (let k = 0; k < r.windows.length; k++) cols[`train_${k}_${r.objective}`] = (t) => t.windowScores[k] ?? null;
  Object.assign(
    cols,
    statsColumns<CampaignTrial>('in_sample', (t) => t.inSample),
    statsColumns<CampaignTrial>('out_of_sample', (t) => t.outOfSample),
  );
  return tableOf(r.trials, cols);
}

/** The verdict's criteria as a Markdown table. */
export function criteriaTable(criteria: readonly Criterion[]): string {
  return [
    '| criterion | value | threshold | result | note |',
    '|---|---:|---|---|---|',
    ...criteria.map((c) => `| ${c.name} | ${f(c.value)} | ${c.op} ${f(c.threshold)} | ${c.passed ? 'PASS' : 'FAIL'} | ${c.note ?? ''} |`),
  ].join('\n');
}

/** The campaign's summary.md: settings, overfitting control, every criterion, windows and stability. */
export function campaignSummary(r: CampaignResult, id: string, parameters: Readonly<Record<string, unknown>>): string {
  const ann = (s: PerformanceStats) => s.sharpe * Math.sqrt(s.annualisationFactor);
  const row = (label: string, s: PerformanceStats) =>
    `| ${label} | ${f(ann(s), 2)} | ${f(s.sortino * Math.sqrt(s.annualisationFactor), 2)} | ${f(s.calmar, 2)} | ${f(s.profitFactor, 2)} | ${s.trades} | ${pct(s.netReturn)} | ${pct(s.maxDrawdown)} | ${s.periods} |`;
  const mc = r.monteCarlo;
  return [
    `# Research campaign ${id}: ${r.verdict.verdict}`,
    '',
    `${r.strategy} (${r.protocol}) on ${r.symbols.join(', ')} ${r.interval}, ${iso(r.from)} .. ${iso(r.to)} (${r.bars} bars); search ${r.search}, objective ${r.objective}, seed ${r.seed}, ${r.windows.length} walk-forward windows; ${(r.elapsedMs / 1000).toFixed(1)} s.`,
    '',
    `Parameters: \`${JSON.stringify(parameters)}\``,
    '',
    '## Verdict',
    '',
    `Candidate (chosen on the newest training window, trial ${r.candidate.trialId}): \`${JSON.stringify(r.candidate.params)}\``,
    '',
    criteriaTable(r.verdict.criteria),
    '',
    '## Overfitting control',
    '',
    `- Trials tried: **${r.tried}** (${r.tried - r.pruned - r.failed} completed, ${r.pruned} pruned as hopeless, ${r.failed} failed); all count in the deflated Sharpe.`,
    `- Best in-sample Sharpe on the newest training window: ${f(r.bestInSampleSharpe)} per bar (${f(r.bestInSampleSharpeAnnualised, 2)} annualised).`,
    r.dsr
      ? `- Deflated Sharpe ratio of the candidate: **${f(r.dsr.dsr)}** (PSR vs 0: ${f(r.dsr.psr)}; expected max Sharpe of ${r.dsr.trials} skill-less trials: ${f(r.dsr.expectedMaxSharpe)} per bar; Sharpe variance across trials ${f(r.dsr.sharpeVariance, 8)}; ${r.dsr.observations} bars).`
      : '- Deflated Sharpe ratio: could not be computed.',
    r.pbo
      ? `- Probability of backtest overfitting (CSCV, ${r.pbo.partitions} partitions, ${r.pbo.combinations} combinations, ${r.pbo.trials} completed trials): **${f(r.pbo.pbo)}**.`
      : '- PBO: needs two completed trials.',
    mc
      ? `- Monte Carlo of the ${mc.trades} out-of-sample trades (${mc.method}, ${mc.runs} runs, seed ${mc.seed}): final return p5 ${pct(mc.finalReturn.percentiles.p5)}, p50 ${pct(mc.finalReturn.percentiles.p50)}, p95 ${pct(mc.finalReturn.percentiles.p95)}; max drawdown p95 ${pct(mc.maxDrawdown.percentiles.p95)}; probability of loss ${f(mc.probabilityOfLoss, 3)}.`
      : '- Monte Carlo: no out-of-sample trade closed.',
    '',
    '## Performance (Sharpe and Sortino annualised)',
    '',
    '| | Sharpe | Sortino | Calmar | PF | trades | return | max DD | bars |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    row('candidate, newest training window', r.candidate.inSample),
    row('walk-forward out of sample (stitched)', r.oos.stats),
    '',
    '## Walk-forward windows',
    '',
    '| # | train | test | chosen | trial | in-sample Sharpe | OOS Sharpe | OOS return | OOS trades |',
    '|---:|---|---|---|---:|---:|---:|---:|---:|',
    ...r.windows.map(
      (w) =>
        `| ${w.index} | ${iso(w.trainFromTime)} .. ${iso(w.trainToTime)} | ${iso(w.testFromTime)} .. ${iso(w.testToTime)} | \`${JSON.stringify(w.params)}\` | ${w.trialId} | ${f(ann(w.inSample), 2)} | ${f(ann(w.outOfSample), 2)} | ${pct(w.outOfSample.netReturn)} | ${w.outOfSample.trades} |`,
    ),
    '',
    '## Parameter stability across windows',
    '',
    'spread = standard deviation of the chosen value across windows over the parameter range (0: always the same; about 0.29: uniform noise); modal share = share of windows choosing the most common value. Chart: parameter_stability.svg.',
    '',
    '| parameter | chosen per window | spread | modal share |',
    '|---|---|---:|---:|',
    ...r.stability.map((s) => `| ${s.name} | ${s.values.join(', ')} | ${f(s.spread, 3)} | ${f(s.modalShare, 2)} |`),
    '',
    'Files: trials.csv/.parquet (every trial), windows.csv, oos_equity.csv, oos_trades.csv, parameter_stability.svg.',
    '',
  ].join('\n');
}

/**
 * Writes `<reportsDir>/research_<id>/`: trials.csv + trials.parquet, windows.csv, oos_equity.csv,
 * oos_trades.csv, parameter_stability.svg and summary.md. A Parquet failure is reported, the CSVs stay.
 */
export async function writeCampaignReport(
  reportsDir: string,
  id: string,
  r: CampaignResult,
  parameters: Readonly<Record<string, unknown>>,
): Promise<WrittenCampaignReport> {
  const dir = researchDir(reportsDir, id);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    files.push(name);
  };
  const trials = trialsTable(r);
  write('trials.csv', toCsv(trials));
  let parquetError: string | null = null;
  try {
    await writeParquet(join(dir, 'trials.parquet'), trials);
    files.push('trials.parquet');
  } catch (e) {
    parquetError = e instanceof Error ? e.message : String(e);
  }
  write(
    'windows.csv',
    toCsv(
      tableOf(r.windows, {
        window: (w) => w.index,
        train_from: (w) => iso(w.trainFromTime),
        train_to: (w) => iso(w.trainToTime),
        test_from: (w) => iso(w.testFromTime),
        test_to: (w) => iso(w.testToTime),
        trial: (w) => w.trialId,
        params: (w) => JSON.stringify(w.params),
        ...statsColumns<(typeof r.windows)[number]>('in_sample', (w) => w.inSample),
        ...statsColumns<(typeof r.windows)[number]>('out_of_sample', (w) => w.outOfSample),
      }),
    ),
  );
  write('oos_equity.csv', toCsv(tableOf(r.oos.equity, { time: (e) => iso(e.time), equity: (e) => e.equity })));
  write(
    'oos_trades.csv',
    toCsv(
      tableOf(r.oos.trades, {
        symbol: (t) => t.symbol,
        side: (t) => t.side,
        entry_time: (t) => iso(t.entryTime),
        exit_time: (t) => iso(t.exitTime),
        pnl: (t) => t.pnl,
        return_on_equity: (t) => t.returnOnEquity,
      }),
    ),
  );
  const times = r.windows.map((w) => w.testFromTime);
  write(
    'parameter_stability.svg',
    lineChartSvg(
      'Chosen parameters per walk-forward window (share of each range, 0 = min, 1 = max)',
      Object.entries(r.space.params).map(([name, spec], i) => ({
        name,
        color: COLORS[i % COLORS.length],
        times,
        values: r.windows.map((w) => {
          const v = w.params[name];
          if (spec.type === 'choice') return spec.values.length > 1 ? spec.values.indexOf(v) / (spec.values.length - 1) : 0;
          return spec.max > spec.min ? (Number(v) - spec.min) / (spec.max - spec.min) : 0;
        }),
      })),
    ),
  );
  write('summary.md', `${campaignSummary(r, id, parameters)}${parquetError ? `\nParquet not written: ${parquetError}\n` : ''}`);
  return { dir, files, parquetError };
}

/** A campaign as JSON (CLI --json, the API): everything but the per-bar return series. */
export function campaignJson(r: CampaignResult): Record<string, unknown> {
  return {
    strategy: r.strategy,
    protocol: r.protocol,
    symbols: r.symbols,
    interval: r.interval,
    search: r.search,
    objective: r.objective,
    seed: r.seed,
    from: iso(r.from),
    to: iso(r.to),
    bars: r.bars,
    tried: r.tried,
    completed: r.tried - r.pruned - r.failed,
    pruned: r.pruned,
    failed: r.failed,
    verdict: r.verdict.verdict,
    criteria: r.verdict.criteria,
    candidate: r.candidate,
    best_in_sample_sharpe: r.bestInSampleSharpe,
    best_in_sample_sharpe_annualised: r.bestInSampleSharpeAnnualised,
    deflated_sharpe: r.dsr,
    pbo: r.pbo,
    monte_carlo: r.monteCarlo,
    out_of_sample: r.oos.stats,
    windows: r.windows.map((w) => ({
      index: w.index,
      train_from: iso(w.trainFromTime),
      train_to: iso(w.trainToTime),
      test_from: iso(w.testFromTime),
      test_to: iso(w.testToTime),
      trial: w.trialId,
      params: w.params,
      in_sample: w.inSample,
      out_of_sample: w.outOfSample,
    })),
    stability: r.stability,
    trials: r.trials.map((t) => ({
      id: t.id,
      status: t.status,
      ...(t.error && { error: t.error }),
      params: t.params,
      score: t.score,
      in_sample: t.inSample,
      out_of_sample: t.outOfSample,
    })),
    elapsed_ms: Math.round(r.elapsedMs),
  };
}
