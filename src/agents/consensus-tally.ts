import { ACTIONS, type Action } from '../domain/action.js';

export interface Ballot {
  readonly voter: string;
  readonly action: Action;
  /** The voter's confidence in its action, 0..1. */
  readonly confidence: number;
  /** Weight of the voter (the vote's own weight times its accuracy weight), >= 0. */
  readonly weight: number;
}

export interface TallyResult {
  readonly action: Action;
  /** Winning action's share of the weighted mass, 0..1 (0 when nobody voted with weight). */
  readonly agreement: number;
  readonly scores: Readonly<Record<Action, number>>;
  readonly reason: string;
}

/**
 * Weighted vote: each ballot adds `weight * confidence` to its action's score; the action with the highest
 * score wins when its share of the total is strictly above `minAgreement`. Ties for the top score, an empty
 * or weightless vote, or agreement at or below `minAgreement` give HOLD (no order on a split room).
 */
export function tallyVotes(ballots: readonly Ballot[], minAgreement: number): TallyResult {
  const scores: Record<Action, number> = { BUY: 0, SELL: 0, HOLD: 0 };
  for (const b of ballots) scores[b.action] += Math.max(0, b.weight) * Math.min(1, Math.max(0, b.confidence));
  const total = scores.BUY + scores.SELL + scores.HOLD;
  const fmt = () => ACTIONS.map((a) => `${a} ${scores[a].toFixed(3)}`).join(', ');
  if (!(total > 0))
    return { action: 'HOLD', agreement: 0, scores, reason: `consensus: no weighted votes (${ballots.length} ballots); holding` };
  const ranked = [...ACTIONS].sort((a, b) => scores[b] - scores[a]);
  const [top, second] = ranked;
  const agreement = scores[top] / total;
  if (Math.abs(scores[top] - scores[second]) <= 1e-12 * total) {
    return { action: 'HOLD', agreement, scores, reason: `consensus: tie between ${top} and ${second} (${fmt()}); holding` };
  }
  if (top !== 'HOLD' && agreement <= minAgreement) {
    return {
      action: 'HOLD',
      agreement,
      scores,
      reason: `consensus: ${top} has ${(agreement * 100).toFixed(1)}% of the weight, needs more than ${(minAgreement * 100).toFixed(1)}% (${fmt()}); holding`,
    };
  }
  return { action: top, agreement, scores, reason: `consensus: ${top} with ${(agreement * 100).toFixed(1)}% of the weight (${fmt()})` };
}

/**
 * Recent out-of-sample accuracy per voter: each BUY/SELL vote is scored against the next observed price of its
 * symbol (right direction = hit). The weight is the Laplace-smoothed hit rate over the last `window` scored
 * votes, (hits + 1) / (n + 2): 0.5 for a voter with no record, towards its true rate as the record grows.
 */
export class VoterScoreboard {
  private readonly records = new Map<string, number[]>();
  private readonly pending = new Map<string, { action: Action; price: number }>();

  constructor(private readonly window = 50) {}

  weight(voter: string): number {
    const r = this.records.get(voter) ?? [];
    const hits = r.reduce((a, x) => a + x, 0);
    return (hits + 1) / (r.length + 2);
  }

  /** Scores the voter's pending vote on `symbol` against `price`, then holds the new vote. */
  observe(voter: string, symbol: string, action: Action, price: number): void {
    this.resolve(voter, symbol, price);
    this.pending.set(`${voter}|${symbol}`, { action, price });
  }

  /** Scores a pending vote against the new price (called each cycle before voting). */
  resolve(voter: string, symbol: string, price: number): void {
    const key = `${voter}|${symbol}`;
    const p = this.pending.get(key);
    if (!p || p.action === 'HOLD' || price === p.price) return;
    const up = price > p.price;
    const r = this.records.get(voter) ?? [];
    r.push((p.action === 'BUY') === up ? 1 : 0);
    if (r.length > this.window) r.shift();
    this.records.set(voter, r);
    this.pending.delete(key);
  }

  snapshot(): Array<{ voter: string; weight: number; scored: number }> {
    return [...this.records.keys()].map((voter) => ({ voter, weight: this.weight(voter), scored: this.records.get(voter)!.length }));
  }
}
