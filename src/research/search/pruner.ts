/**
 * Early stopping of hopeless trials: a running trial reports its in-sample score at fixed checkpoints (shares
 * of its bars); it is stopped when, at a checkpoint, at least `minTrials` finished trials reported there and
 * its score is below their `quantile` (0.5 is Optuna's MedianPruner; campaigns use 0.25, the bottom quartile,
 * so that enough trials finish for PBO). A pruned trial still counts as tried (deflated Sharpe) but has no
 * complete return series (it is left out of PBO).
 */
export class MedianPruner {
  private readonly at = new Map<number, number[]>();

  constructor(
    private readonly minTrials = 5,
    private readonly quantile = 0.5,
  ) {}

  /** Records a finished (not pruned) trial's score at each checkpoint. */
  record(scores: ReadonlyMap<number, number>): void {
    for (const [k, v] of scores) {
      if (!Number.isFinite(v)) continue;
      const list = this.at.get(k) ?? [];
      list.push(v);
      this.at.set(k, list);
    }
  }

  /** True when a trial scoring `score` at checkpoint `k` is hopeless. */
  shouldPrune(k: number, score: number): boolean {
    const below = this.threshold(k);
    if (below === null) return false;
    return !Number.isFinite(score) || score < below;
  }

  /** The score a trial must reach at checkpoint `k` (fixed for a batch of trials run in parallel); null = none yet. */
  threshold(k: number): number | null {
    const list = this.at.get(k);
    if (!list || list.length < this.minTrials) return null;
    return quantileOf(list, this.quantile);
  }
}

/** Linear-interpolation quantile (numpy's default) of `values`. */
export function quantileOf(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}
