import type { RoundTrip } from '../backtest/trades.js';
import { intervalMs } from '../domain/candle.js';
import type { ParamSet } from '../strategies/search-space.js';
import { type Objective, objectiveValue, performanceStats } from './performance.js';
import { barReturns, runTrial, type TrialContext, TrialStopped } from './trial.js';

/**
 * One campaign trial as a research task (tasks.ts 'campaign-trial'): everything it reads travels in its input,
 * so it runs the same on a worker thread as in the campaign's own thread. Early stopping compares against
 * thresholds fixed before the trial's batch (campaign.ts), never against trials of the same batch.
 */
export interface CampaignTrialInput {
  /** The shared context without a model: pipeline campaigns only (a trained model does not cross threads). */
  readonly ctx: Omit<TrialContext, 'model'>;
  readonly params: ParamSet;
  /** Bar counts at which the trial reports its score (the pruner's checkpoints). */
  readonly checkpoints: readonly number[];
  /** Per checkpoint: prune below this score (non-finite scores too); null = no pruning there yet. */
  readonly pruneBelow: readonly (number | null)[];
  readonly pruneObjective: Objective;
  readonly perYear: number;
  /** Bars a complete trial trades. */
  readonly bars: number;
  /** A walk-forward test run: only the bars with close times in [fromTime, toTime]. */
  readonly fromTime?: number;
  readonly toTime?: number;
}

export type CampaignTrialOutput =
  | {
      readonly status: 'ok';
      readonly returns: Float64Array;
      readonly times: Float64Array;
      readonly trades: readonly RoundTrip[];
      /** Score at each checkpoint reached, [checkpoint index, score]. */
      readonly seen: readonly (readonly [number, number])[];
    }
  | { readonly status: 'pruned' }
  | { readonly status: 'failed'; readonly error: string };

export async function campaignTrial(input: CampaignTrialInput): Promise<CampaignTrialOutput> {
  return runCampaignTrial({ ...input.ctx, model: null }, input);
}

/**
 * The trial itself, with a context that may carry a model (brain/consensus campaigns run it in-process).
 * @throws TrialStopped('cancelled') when `cancelled` turns true while it runs (checked every 256 bars).
 */
export async function runCampaignTrial(
  ctx: TrialContext,
  input: Omit<CampaignTrialInput, 'ctx'>,
  cancelled: () => boolean = () => false,
): Promise<CampaignTrialOutput> {
  const barMs = intervalMs(ctx.series[0].interval);
  const seen: [number, number][] = [];
  try {
    const run = await runTrial(ctx, input.params, {
      fromTime: input.fromTime,
      toTime: input.toTime,
      onBar: (equity) => {
        if ((equity.length & 255) === 0 && cancelled()) throw new TrialStopped('cancelled');
        const k = input.checkpoints.indexOf(equity.length);
        if (k < 0) return;
        const { returns } = barReturns(equity, ctx.config.STARTING_CAPITAL, barMs);
        const score = objectiveValue(performanceStats(returns, [], input.perYear), input.pruneObjective);
        seen.push([k, score]);
        const below = input.pruneBelow[k];
        if (below !== null && (!Number.isFinite(score) || score < below)) throw new TrialStopped('pruned');
      },
    });
    if (run.returns.length !== input.bars) throw new Error(`trial traded ${run.returns.length} bars, expected ${input.bars}`);
    return { status: 'ok', returns: run.returns, times: run.times, trades: run.trades, seen };
  } catch (e) {
    if (e instanceof TrialStopped && e.reason === 'cancelled') throw e;
    if (e instanceof TrialStopped) return { status: 'pruned' };
    if (!(e instanceof Error)) throw e;
    return { status: 'failed', error: e.message };
  }
}
