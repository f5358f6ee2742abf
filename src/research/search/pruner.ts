/**
 * Early stopping of hopeless trials, the median rule (as Optuna's MedianPruner): a running trial reports its
 * in-sample score at fixed checkpoints (a share of its bars); it is stopped when, at a checkpoint, at least
 * `minTrials` finished trials reported there and its score is below their median. A pruned trial still
 * counts as tried (deflated Sharpe) but has no complete return series (left out of PBO).
 */
export class MedianPruner {
  private readonly at = new Map<number, number[]>();

  constructor(private readonly minTrials = 5) {}

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
    const list = this.at.get(k);
    if (!list || list.length < this.minTrials) return false;
    if (!Number.isFinite(score)) return true;
    return score < median(list);
  }
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
