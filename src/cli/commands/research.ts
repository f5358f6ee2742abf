import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConclaveError } from '../../domain/errors.js';
import { newRunId } from '../../reports/run-report.js';
import { type CampaignResult, runCampaign } from '../../research/campaign.js';
import { campaignCandidate, candidateToJson } from '../../research/candidate.js';
import { isObjective, OBJECTIVES } from '../../research/performance.js';
import { campaignJson, criteriaTable, writeCampaignReport } from '../../research/report.js';
import { isSearchMethod, SEARCH_METHODS } from '../../research/search/index.js';
import { cliContext, progressBar } from '../context.js';
import { num, runConfig } from './backtest.js';

interface ResearchOpts {
  data: string[];
  strategy?: string;
  protocol?: string;
  search: string;
  trials: string;
  objective: string;
  windows: string;
  seed: string;
  risk?: string;
  prune: boolean;
  set?: string[];
  json?: string;
  report: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const out = (s: string) => process.stdout.write(`${s}\n`);

/** `conclave research run`: a parameter search with walk-forward optimisation and overfitting control. */
export function registerResearchCommands(program: Command): void {
  const research = program
    .command('research')
    .description('Research campaigns: parameter search, walk-forward optimisation, overfitting control');
  research
    .command('run')
    .description(
      "Search a strategy's parameters through the paper-trading kernel, walk forward, and judge the candidate (deflated Sharpe, PBO, Monte Carlo, gate)",
    )
    .requiredOption('-d, --data <csv...>', 'kline CSVs named SYMBOL_INTERVAL.csv[.gz] (several symbols: one trial trades them all)')
    .option('-s, --strategy <name>', 'pipeline: the strategy searched (sma-cross, breakout, mean-reversion, ml-classifier)')
    .option('--protocol <name>', 'pipeline (default PROTOCOL), brain or consensus (these search risk settings only: --risk)')
    .option('--search <method>', `${SEARCH_METHODS.join(', ')}`, 'tpe')
    .option('--trials <n>', 'parameter sets to try (pruned and failed ones count)', '100')
    .option('--objective <name>', `${OBJECTIVES.join(', ')}`, 'sharpe')
    .option('--windows <n>', 'walk-forward windows (1 = a single in-sample/out-of-sample split)', '4')
    .option('--seed <n>', 'seed of the search and the Monte Carlo', '1')
    .option(
      '--risk <names>',
      'risk settings to search too, comma-separated: ATR_STOP_MULT, TAKE_PROFIT_R, ORDER_FRACTION, SIZING_MODE, RISK_PER_TRADE',
    )
    .option('--no-prune', 'run every trial to the end (default: stop trials in the bottom quartile at 25/50/75 % of the bars)')
    .option('--set <NAME=value>', 'any setting of the config table for every trial, e.g. --set FEE_BPS=5 (repeatable)', collect)
    .option('--json <path>', 'write the campaign (verdict, criteria, windows, stability, every trial) as JSON')
    .option('--no-report', 'do not write reports/research_<id>/')
    .action(async (o: ResearchOpts) => {
      const { config: base } = cliContext();
      const config = runConfig({ data: o.data, set: o.set, report: o.report, protocol: o.protocol }, base);
      if (!isSearchMethod(o.search)) {
        throw new ConclaveError('VALIDATION_ERROR', `--search: expected one of ${SEARCH_METHODS.join(', ')}, got "${o.search}"`, {
          field: 'search',
        });
      }
      if (!isObjective(o.objective)) {
        throw new ConclaveError('VALIDATION_ERROR', `--objective: expected one of ${OBJECTIVES.join(', ')}, got "${o.objective}"`, {
          field: 'objective',
        });
      }
      const spec = {
        data: o.data,
        config,
        strategy: o.strategy,
        risk:
          o.risk === undefined
            ? []
            : o.risk
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
        search: o.search,
        trials: num('trials', o.trials, 0, { min: 1, max: 100_000, integer: true }),
        objective: o.objective,
        windows: num('windows', o.windows, 0, { min: 1, max: 100, integer: true }),
        seed: num('seed', o.seed, 0, { integer: true }),
        prune: o.prune,
      };
      const bar = progressBar(`research ${o.strategy ?? config.PROTOCOL}`);
      const result = await runCampaign(spec, (p) => {
        if (p.stage === 'trials') bar.update(p.done, p.total);
      });
      bar.stop();
      const id = newRunId('campaign', Date.now());
      printCampaign(result, id);
      // A PASSED campaign's candidate, ready for POST /api/research/challengers (its band sized to the shadow period).
      const challenger =
        result.verdict.verdict === 'PASSED' && result.oos.trades.length > 0
          ? candidateToJson(campaignCandidate(id, result, config.RESEARCH_CHALLENGER_DAYS))
          : null;
      if (o.json) writeFileSync(o.json, `${JSON.stringify({ id, ...campaignJson(result), challenger }, null, 2)}\n`);
      if (o.report) {
        const parameters = { ...spec, config: undefined, data: o.data };
        const written = await writeCampaignReport(config.REPORTS_DIR, id, result, parameters);
        out(`\nreport: ${written.dir}/summary.md${written.parquetError ? ` (no Parquet: ${written.parquetError})` : ''}`);
      }
    });
}

function printCampaign(r: CampaignResult, id: string): void {
  const f = (x: number | null | undefined, d = 4) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  const ann = Math.sqrt(r.oos.stats.annualisationFactor);
  out(
    `research ${id}: ${r.strategy} (${r.protocol}) on ${r.symbols.join(', ')} ${r.interval}, ${r.bars} bars, ${r.search} search, objective ${r.objective}, seed ${r.seed}`,
  );
  out(
    `trials tried ${r.tried} (${r.tried - r.pruned - r.failed} completed, ${r.pruned} pruned, ${r.failed} failed) in ${(r.elapsedMs / 1000).toFixed(1)} s`,
  );
  out(`best in-sample Sharpe (newest training window): ${f(r.bestInSampleSharpeAnnualised, 2)} annualised`);
  for (const w of r.windows) {
    out(
      `window ${w.index}: chose ${JSON.stringify(w.params)} (IS Sharpe ${f(w.inSample.sharpe * ann, 2)}), OOS Sharpe ${f(w.outOfSample.sharpe * ann, 2)}, return ${(w.outOfSample.netReturn * 100).toFixed(2)} %, ${w.outOfSample.trades} trades`,
    );
  }
  out(
    `walk-forward OOS: Sharpe ${f(r.oos.stats.sharpe * ann, 2)}, return ${(r.oos.stats.netReturn * 100).toFixed(2)} %, max DD ${(r.oos.stats.maxDrawdown * 100).toFixed(2)} %, ${r.oos.stats.trades} trades`,
  );
  out(`deflated Sharpe ${f(r.dsr?.dsr)}, PBO ${f(r.pbo?.pbo)}`);
  out(`\ncandidate ${JSON.stringify(r.candidate.params)}: ${r.verdict.verdict}\n`);
  out(criteriaTable(r.verdict.criteria));
}
