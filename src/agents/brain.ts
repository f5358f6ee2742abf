import type { Decision } from '../domain/decision.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { Strategy } from '../strategies/strategy.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';
import { UNCLASSIFIED } from './regime.js';

export interface BrainConfig {
  /** Strategies by name; the selection decides which of them run. */
  readonly strategies: ReadonlyMap<string, Strategy>;
  readonly allowShort: boolean;
  /** Agents the brain talks to. */
  readonly riskManager: string;
  readonly regime: string;
  readonly research?: string;
  readonly monitor?: string;
}

/**
 * BrainAgent: coordinates one cycle of the brain protocol.
 *
 * 1. `MarketSnapshot` from the market monitor: sent to the risk manager (stops, governor) and the regime agent;
 *    the regime agent's reading goes to strategy selection, which answers the brain with `StrategiesSelected`.
 * 2. `StrategiesSelected`: every enabled strategy decides on the snapshot (each signal is recorded as a `Vote`
 *    to the research agent) and the brain combines them into one `Decision` for the risk manager:
 *    - long: the most confident SELL among enabled strategies exits; otherwise HOLD;
 *    - flat: the most confident BUY enters; SELL is HOLD on spot (a short only with shorting on);
 *    - no strategy enabled (e.g. HIGH_VOL): HOLD, open positions are left to their stops.
 *    The snapshot then goes to the monitor for its heartbeat.
 */
export class BrainAgent implements Agent {
  readonly name = AGENTS.brain;
  private readonly snapshots = new Map<number, MarketSnapshot>();

  constructor(private readonly config: BrainConfig) {}

  cycleEnded(cycleId: number): void {
    this.snapshots.delete(cycleId);
  }

  async handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> {
    if (message.type === 'MarketSnapshot') {
      this.snapshots.set(ctx.cycleId, message.payload);
      return [
        { to: this.config.riskManager, type: 'MarketSnapshot', payload: message.payload, tsEvent: message.tsEvent },
        { to: this.config.regime, type: 'MarketSnapshot', payload: message.payload, tsEvent: message.tsEvent },
      ];
    }
    if (message.type !== 'StrategiesSelected') return [];
    const snapshot = this.snapshots.get(ctx.cycleId);
    this.snapshots.delete(ctx.cycleId);
    if (!snapshot) throw new Error(`brain: StrategiesSelected for cycle ${ctx.cycleId} without its snapshot`);
    const { regime, enabled } = message.payload;
    const signals: Decision[] = [];
    for (const name of enabled) {
      const strategy = this.config.strategies.get(name);
      if (strategy) signals.push(strategy.decide(snapshot));
    }
    const held = (await ctx.book()).quantity(snapshot.symbol);
    const decision = this.combine(snapshot, regime, signals, held);
    const out: OutgoingMessage[] = [];
    if (this.config.research) {
      out.push({ to: this.config.research, type: 'StrategiesSelected', payload: message.payload });
      for (const s of signals) out.push({ to: this.config.research, type: 'Vote', payload: { voter: s.strategy, decision: s, weight: 1 } });
    }
    const summary = signals.map((s) => `${s.strategy} ${s.action}`).join(', ') || 'no strategy enabled';
    ctx.log(AGENTS.decisionMaker, () => `Brain (${regime}): ${summary} -> ${decision.action} (${decision.strategy})`);
    ctx.log(this.name, () => `${regime}: ${summary} -> ${decision.action}`);
    out.push({ to: this.config.riskManager, type: 'Decision', payload: decision });
    if (this.config.monitor) out.push({ to: this.config.monitor, type: 'MarketSnapshot', payload: snapshot, tsEvent: snapshot.candleTime });
    return out;
  }

  private combine(snapshot: MarketSnapshot, regime: string, signals: readonly Decision[], held: number): Decision {
    const best = (action: 'BUY' | 'SELL') =>
      signals
        .filter((s) => s.action === action)
        .reduce<Decision | null>((a, s) => (a === null || s.confidence > a.confidence ? s : a), null);
    const tag = (d: Decision, note = '') => ({ ...d, reason: `[${regime}] ${d.reason}${note}` });
    if (held > 0) {
      const exit = best('SELL');
      if (exit) return tag(exit);
    } else if (held < 0) {
      const cover = best('BUY');
      if (cover) return tag(cover);
    } else {
      const entry = best('BUY');
      if (entry) return tag(entry);
      const short = best('SELL');
      if (short && this.config.allowShort) return tag(short);
    }
    const why =
      regime === UNCLASSIFIED
        ? 'too few contiguous candles to classify the regime (start or a hole); holding, open positions keep their stops'
        : signals.length === 0
          ? `regime ${regime} enables no strategy`
          : `${held > 0 ? 'long, no exit' : held < 0 ? 'short, no cover' : 'flat, no entry'} signal among ${signals.map((s) => `${s.strategy}=${s.action}`).join(', ')}`;
    return {
      symbol: snapshot.symbol,
      action: 'HOLD',
      confidence: 1,
      probabilities: { BUY: 0, SELL: 0, HOLD: 1 },
      reason: `[${regime}] ${why}`,
      modelVersion: 'brain-v1',
      strategy: 'brain',
    };
  }
}
