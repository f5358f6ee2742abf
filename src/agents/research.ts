import type { Action } from '../domain/action.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import { AGENTS, type Agent, type CycleContext } from './base.js';

export interface StrategyRegimeStats {
  readonly strategy: string;
  readonly regime: string;
  /** Signals recorded (HOLD included). */
  readonly signals: number;
  /** BUY/SELL signals scored against the next cycle's price. */
  readonly scored: number;
  /** Scored signals whose direction matched the next move. */
  readonly hits: number;
  /** Sum of signed next-cycle returns of scored signals (BUY: +r, SELL: -r), before costs. */
  readonly sumReturn: number;
}

interface Pending {
  readonly action: Action;
  readonly price: number;
  readonly regime: string;
}

/**
 * ResearchAgent (thin): records how each strategy's signals did in each regime, for the research loop. A
 * BUY/SELL signal is scored at the symbol's next cycle: hit when the price moved its way, signed return
 * summed. No backtests, no costs, no significance: raw tallies the backtest and walk-forward tools must confirm.
 */
export class ResearchAgent implements Agent {
  readonly name = AGENTS.research;
  private readonly regimeOf = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  private readonly table = new Map<string, StrategyRegimeStats>();

  stats(): StrategyRegimeStats[] {
    return [...this.table.values()].sort((a, b) => a.strategy.localeCompare(b.strategy) || a.regime.localeCompare(b.regime));
  }

  handle(message: AgentMessage, ctx: CycleContext): readonly OutgoingMessage[] {
    if (message.type === 'StrategiesSelected') {
      this.regimeOf.set(message.payload.symbol, message.payload.regime);
      return [];
    }
    if (message.type !== 'Vote') return [];
    const { voter, decision } = message.payload;
    const price = ctx.marks.get(decision.symbol);
    if (price === undefined) return [];
    const key = `${ctx.userId}:${decision.symbol}:${voter}`;
    const prev = this.pending.get(key);
    if (prev && prev.action !== 'HOLD' && prev.price > 0 && price !== prev.price) {
      const r = price / prev.price - 1;
      const signed = prev.action === 'BUY' ? r : -r;
      this.bump(voter, prev.regime, { scored: 1, hits: signed > 0 ? 1 : 0, sumReturn: signed });
    }
    const regime = this.regimeOf.get(decision.symbol) ?? 'UNKNOWN';
    this.bump(voter, regime, { signals: 1 });
    this.pending.set(key, { action: decision.action, price, regime });
    return [];
  }

  private bump(strategy: string, regime: string, add: Partial<Omit<StrategyRegimeStats, 'strategy' | 'regime'>>): void {
    const k = `${strategy}|${regime}`;
    const s = this.table.get(k) ?? { strategy, regime, signals: 0, scored: 0, hits: 0, sumReturn: 0 };
    this.table.set(k, {
      strategy,
      regime,
      signals: s.signals + (add.signals ?? 0),
      scored: s.scored + (add.scored ?? 0),
      hits: s.hits + (add.hits ?? 0),
      sumReturn: s.sumReturn + (add.sumReturn ?? 0),
    });
  }
}
