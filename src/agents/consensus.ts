import type { Decision } from '../domain/decision.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage, MessagePayloads, OutgoingMessage } from '../domain/messages.js';
import type { Strategy } from '../strategies/strategy.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';
import { tallyVotes, VoterScoreboard } from './consensus-tally.js';

export const CONSENSUS_AGENT = 'consensus';

export interface ConsensusConfig {
  /** Agents asked to vote each cycle (each receives the MarketSnapshot and must answer one `Vote`). */
  readonly voters: readonly string[];
  /** The winning action needs strictly more than this share of the weighted votes, else HOLD. */
  readonly minAgreement: number;
  /** Receives the snapshot (stops, governor) and then the Decision: the risk manager. */
  readonly riskManager: string;
  /** Scored votes per voter behind its accuracy weight (default 50). */
  readonly accuracyWindow?: number;
}

interface Round {
  readonly snapshot: MarketSnapshot;
  readonly expected: Set<string>;
  readonly votes: MessagePayloads['Vote'][];
}

/**
 * Consensus coordinator. On `MarketSnapshot` it sends the snapshot to the risk manager (stops, governor) and to
 * every voter; it accepts `Vote` messages from any agent (strategy voters, the LLM agent...), and once every
 * expected voter has voted it tallies (consensus-tally.ts):
 * weight of a vote = the vote's own weight x the voter's recent out-of-sample accuracy (Laplace-smoothed hit
 * rate of its last BUY/SELL votes against the next price); score = sum of weight x confidence per action;
 * top score wins with more than `minAgreement` of the total; ties and low agreement give HOLD.
 * A voter must answer every snapshot (with HOLD and weight 0 when it cannot judge); votes after the tally are
 * recorded but do not count.
 */
export class ConsensusAgent implements Agent {
  readonly name = CONSENSUS_AGENT;
  private readonly rounds = new Map<number, Round>();
  readonly scoreboard: VoterScoreboard;

  constructor(private readonly config: ConsensusConfig) {
    this.scoreboard = new VoterScoreboard(config.accuracyWindow ?? 50);
  }

  cycleEnded(cycleId: number): void {
    this.rounds.delete(cycleId);
  }

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type === 'MarketSnapshot') {
      const snapshot = message.payload;
      this.rounds.set(ctx.cycleId, { snapshot, expected: new Set(this.config.voters), votes: [] });
      return [
        { to: this.config.riskManager, type: 'MarketSnapshot', payload: snapshot, tsEvent: message.tsEvent },
        ...this.config.voters.map((to): OutgoingMessage => ({ to, type: 'MarketSnapshot', payload: snapshot, tsEvent: message.tsEvent })),
      ];
    }
    if (message.type !== 'Vote') return [];
    const round = this.rounds.get(ctx.cycleId);
    if (!round) {
      ctx.log(this.name, `Late vote from ${message.payload.voter} ignored`);
      return [];
    }
    round.votes.push(message.payload);
    round.expected.delete(message.from);
    round.expected.delete(message.payload.voter);
    if (round.expected.size > 0) return [];
    this.rounds.delete(ctx.cycleId);
    return [{ to: this.config.riskManager, type: 'Decision', payload: this.decide(round, ctx) }];
  }

  private decide(round: Round, ctx: CycleContext): Decision {
    const { snapshot, votes } = round;
    // Score last cycle's votes against this price first, so the weights include the newest evidence.
    for (const v of votes) this.scoreboard.resolve(v.voter, snapshot.symbol, snapshot.price);
    const ballots = votes.map((v) => ({
      voter: v.voter,
      action: v.decision.action,
      confidence: v.decision.confidence,
      weight: v.weight * this.scoreboard.weight(v.voter),
    }));
    const result = tallyVotes(ballots, this.config.minAgreement);
    for (const v of votes) this.scoreboard.observe(v.voter, snapshot.symbol, v.decision.action, snapshot.price);
    const detail = ballots.map((b) => `${b.voter}=${b.action}(w ${b.weight.toFixed(2)})`).join(', ');
    ctx.log(AGENTS.decisionMaker, `Consensus of ${ballots.length}: ${detail} -> ${result.action}`);
    const total = result.scores.BUY + result.scores.SELL + result.scores.HOLD;
    const probabilities =
      total > 0
        ? { BUY: result.scores.BUY / total, SELL: result.scores.SELL / total, HOLD: result.scores.HOLD / total }
        : { BUY: 0, SELL: 0, HOLD: 1 };
    const versions = [...new Set(votes.map((v) => v.decision.modelVersion))].join('+');
    return {
      symbol: snapshot.symbol,
      action: result.action,
      confidence: result.action === 'HOLD' && total === 0 ? 1 : result.agreement,
      probabilities,
      reason: `${result.reason}; votes: ${detail}`,
      modelVersion: `consensus(${versions})`,
      strategy: 'consensus',
    };
  }
}

/** A strategy as a voter: answers each snapshot with its decision as a `Vote` of weight 1. */
export class StrategyVoterAgent implements Agent {
  readonly name: string;

  constructor(
    private readonly strategy: Strategy,
    private readonly next: string = CONSENSUS_AGENT,
  ) {
    this.name = `voter:${strategy.name}`;
  }

  handle(message: AgentMessage): readonly OutgoingMessage[] {
    if (message.type !== 'MarketSnapshot') return [];
    const decision = this.strategy.decide(message.payload);
    return [{ to: this.next, type: 'Vote', payload: { voter: this.strategy.name, decision, weight: 1 } }];
  }
}
