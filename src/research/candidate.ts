/**
 * A campaign's selected parameters as a champion/challenger Candidate, and its JSON form (API body, CLI output).
 *
 * The Monte Carlo band is sized to the shadow period: the campaign's out-of-sample trades are bootstrapped in
 * sequences of as many trades as the shadow period should see at the out-of-sample trade rate (at least one),
 * so a 14-day shadow is judged against what 14 days of those trades can do, not against the whole test span.
 */
import { z } from 'zod';
import { ConclaveError } from '../domain/errors.js';
import { mulberry32 } from '../ml/prng.js';
import type { CampaignResult } from './campaign.js';
import type { Candidate, MonteCarloBand } from './types.js';

const RUNS = 2000;

/**
 * 5th/95th percentiles of the compounded return and the 95th percentile of the max drawdown of `runs` bootstrap
 * sequences of `tradesPerPeriod` trades drawn with replacement from `tradeReturns` (returns on equity).
 * @throws ConclaveError INSUFFICIENT_DATA without trades.
 */
export function shadowBand(tradeReturns: readonly number[], tradesPerPeriod: number, seed: number, runs = RUNS): MonteCarloBand {
  if (tradeReturns.length === 0)
    throw new ConclaveError('INSUFFICIENT_DATA', 'a Monte Carlo band needs out-of-sample trades; the campaign has none');
  const k = Math.max(1, Math.round(tradesPerPeriod));
  const rnd = mulberry32(seed);
  const finals = new Float64Array(runs);
  const drawdowns = new Float64Array(runs);
  for (let r = 0; r < runs; r++) {
    let equity = 1;
    let peak = 1;
    let dd = 0;
    for (let i = 0; i < k; i++) {
      equity *= 1 + tradeReturns[Math.floor(rnd() * tradeReturns.length)]!;
      peak = Math.max(peak, equity);
      dd = Math.max(dd, 1 - equity / peak);
    }
    finals[r] = equity - 1;
    drawdowns[r] = dd;
  }
  finals.sort();
  drawdowns.sort();
  const at = (xs: Float64Array, p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  return { returnP05: at(finals, 5), returnP95: at(finals, 95), maxDrawdownP95: at(drawdowns, 95) };
}

/**
 * The candidate of a finished campaign, its band sized to `shadowDays` (RESEARCH_CHALLENGER_DAYS).
 * @throws ConclaveError INSUFFICIENT_DATA when the out-of-sample test spans closed no trade.
 */
export function campaignCandidate(campaignId: string, r: CampaignResult, shadowDays: number): Candidate {
  const first = r.windows[0];
  const last = r.windows[r.windows.length - 1];
  const spanMs = first && last ? Math.max(1, last.testToTime - first.testFromTime) : 1;
  const perShadow = (r.oos.trades.length * shadowDays * 86_400_000) / spanMs;
  return {
    campaignId,
    strategy: r.strategy,
    params: r.candidate.params,
    research: r.oos.stats,
    monteCarloBand: shadowBand(
      r.oos.trades.map((t) => t.returnOnEquity),
      perShadow,
      r.seed,
    ),
    verdict: r.verdict,
  };
}

const num = z.number().refine(Number.isFinite, 'must be a finite number');
const stats = z.object({
  sharpe: num,
  sortino: num,
  calmar: num,
  profit_factor: num.nullable(),
  trades: z.number().int().min(0),
  net_return: num,
  max_drawdown: num,
  periods: z.number().int().min(0),
  annualisation_factor: num,
  skewness: num,
  kurtosis: num,
});

/** A Candidate in the API's snake_case JSON (POST /api/research/challengers, `conclave research run --json`). */
export const CandidateSchema = z
  .object({
    campaign_id: z.string().min(1).max(128),
    strategy: z.string().min(1).max(64),
    params: z.record(z.string().max(64), z.union([num, z.string().max(64), z.boolean()])),
    research: stats,
    monte_carlo_band: z.object({ return_p05: num, return_p95: num, max_drawdown_p95: num.min(0) }),
    verdict: z.object({
      verdict: z.enum(['PASSED', 'FAILED']),
      criteria: z
        .array(
          z.object({
            name: z.string().max(64),
            value: num.nullable(),
            threshold: z.number().nullable(),
            op: z.enum(['>=', '<=', '<', '>']),
            passed: z.boolean(),
            note: z.string().max(500).optional(),
          }),
        )
        .max(50),
    }),
  })
  .strict();

export type CandidateJson = z.infer<typeof CandidateSchema>;

export function candidateToJson(c: Candidate): CandidateJson {
  const s = c.research;
  return {
    campaign_id: c.campaignId,
    strategy: c.strategy,
    params: { ...c.params },
    research: {
      sharpe: s.sharpe,
      sortino: s.sortino,
      calmar: s.calmar,
      profit_factor: s.profitFactor,
      trades: s.trades,
      net_return: s.netReturn,
      max_drawdown: s.maxDrawdown,
      periods: s.periods,
      annualisation_factor: s.annualisationFactor,
      skewness: s.skewness,
      kurtosis: s.kurtosis,
    },
    monte_carlo_band: {
      return_p05: c.monteCarloBand.returnP05,
      return_p95: c.monteCarloBand.returnP95,
      max_drawdown_p95: c.monteCarloBand.maxDrawdownP95,
    },
    verdict: {
      verdict: c.verdict.verdict,
      // JSON has no NaN: the gate's "no threshold" (empty portfolio) travels as null.
      criteria: c.verdict.criteria.map((k) => ({ ...k, threshold: Number.isNaN(k.threshold) ? null : k.threshold })),
    },
  };
}

/** @throws ConclaveError VALIDATION_ERROR naming the first bad field. */
export function candidateFromJson(value: unknown): Candidate {
  const parsed = CandidateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new ConclaveError('VALIDATION_ERROR', `candidate: ${field || 'document'}: ${issue.message}`, { field });
  }
  const j = parsed.data;
  const s = j.research;
  return {
    campaignId: j.campaign_id,
    strategy: j.strategy,
    params: j.params,
    research: {
      sharpe: s.sharpe,
      sortino: s.sortino,
      calmar: s.calmar,
      profitFactor: s.profit_factor,
      trades: s.trades,
      netReturn: s.net_return,
      maxDrawdown: s.max_drawdown,
      periods: s.periods,
      annualisationFactor: s.annualisation_factor,
      skewness: s.skewness,
      kurtosis: s.kurtosis,
    },
    monteCarloBand: {
      returnP05: j.monte_carlo_band.return_p05,
      returnP95: j.monte_carlo_band.return_p95,
      maxDrawdownP95: j.monte_carlo_band.max_drawdown_p95,
    },
    verdict: {
      verdict: j.verdict.verdict,
      criteria: j.verdict.criteria.map((k) => ({ ...k, threshold: k.threshold ?? Number.NaN })),
    },
  };
}
