import { AGENTS, type CycleContext } from '../agents/base.js';
import { DecisionMakingAgent, type DecisionModel } from '../agents/decision-maker.js';
import type { Decision } from '../domain/decision.js';
import { ConclaveError } from '../domain/errors.js';
import type { MarketSnapshot } from '../domain/market.js';
import type { AgentMessage } from '../domain/messages.js';
import type { Clock } from '../engine/clock.js';
import type { DecisionListQuery, DecisionStatistics, NewDecision, StoredDecision } from '../store/decision.repository.js';
import type { MarketReader, SymbolResolver } from './ports.js';

export interface DecisionServiceDeps {
  readonly decisions: {
    insert(input: NewDecision): Promise<number>;
    list(query: DecisionListQuery): Promise<{ items: StoredDecision[]; total: number }>;
    statistics(userId: number, symbol?: string): Promise<DecisionStatistics>;
  };
  readonly snapshots: { insert(userId: number, snapshot: Omit<MarketSnapshot, 'candles'>): Promise<number> };
  /** The user's watch-list, for a decision asked by symbol id. */
  readonly symbols: { get(id: number, userId: number): Promise<{ readonly symbol: string } | null> };
  readonly market: MarketReader;
  readonly resolve: SymbolResolver;
  readonly model: () => DecisionModel;
  readonly minConfidence: number;
  readonly clock: Clock;
}

/** Decision history and advice: asks the same decision agent the engine uses, without risk or execution. */
export class DecisionService {
  private readonly agent: DecisionMakingAgent;

  constructor(private readonly deps: DecisionServiceDeps) {
    this.agent = new DecisionMakingAgent(deps.model, { minConfidence: deps.minConfidence, next: AGENTS.engine });
  }

  /**
   * Takes a snapshot of the symbol, asks the decision agent, and stores the decision (no cycle, no order) and
   * the snapshot, so the hit rate can later be measured against what the price did next.
   * `target` names the symbol as typed or by the id of one of the user's watched symbols.
   * @throws ConclaveError UNKNOWN_SYMBOL, MARKET_DATA_UNAVAILABLE, NOT_FOUND (an id not on the user's list)
   */
  async decide(
    userId: number,
    target: { readonly symbol: string } | { readonly symbolId: number },
  ): Promise<{ decision: StoredDecision; snapshot: MarketSnapshot }> {
    const { symbol } = this.deps.resolve('symbol' in target ? target.symbol : await this.watched(userId, target.symbolId));
    const snapshot = await this.deps.market.snapshot(symbol);
    const decision = await this.ask(userId, snapshot);
    const { candles: _candles, ...stored } = snapshot;
    await this.deps.snapshots.insert(userId, stored);
    const id = await this.deps.decisions.insert({ userId, cycleId: null, decision, price: snapshot.price, createdAt: snapshot.observedAt });
    return { decision: { ...decision, id, cycleId: null, userId, price: snapshot.price, createdAt: snapshot.observedAt }, snapshot };
  }

  private async watched(userId: number, id: number): Promise<string> {
    const found = await this.deps.symbols.get(id, userId);
    if (!found) throw new ConclaveError('NOT_FOUND', `symbol ${id}: not on your list`, { id });
    return found.symbol;
  }

  /** @throws ConclaveError UNKNOWN_SYMBOL */
  resolveSymbol(input: string): string {
    return this.deps.resolve(input).symbol;
  }

  list(query: DecisionListQuery): Promise<{ items: StoredDecision[]; total: number }> {
    return this.deps.decisions.list(query);
  }

  statistics(userId: number, symbol?: string): Promise<DecisionStatistics> {
    return this.deps.decisions.statistics(userId, symbol === undefined ? undefined : this.deps.resolve(symbol).symbol);
  }

  private async ask(userId: number, snapshot: MarketSnapshot): Promise<Decision> {
    const now = this.deps.clock.now();
    const message: AgentMessage = {
      id: `advice-${now}`,
      cycleId: 0,
      seq: 0,
      from: AGENTS.marketMonitor,
      to: AGENTS.decisionMaker,
      type: 'MarketSnapshot',
      payload: snapshot,
      tsEvent: snapshot.candleTime,
      tsInit: now,
    };
    // The decision agent only reads the clock and logs; a book or an order id here would be a bug.
    const ctx: CycleContext = {
      cycleId: 0,
      userId,
      symbol: snapshot.symbol,
      clock: this.deps.clock,
      marks: new Map(),
      book: () => Promise.reject(new ConclaveError('INTERNAL_ERROR', 'advice: the decision agent asked for the book')),
      newOrderId: () => {
        throw new ConclaveError('INTERNAL_ERROR', 'advice: the decision agent asked for an order id');
      },
      log: () => {},
    };
    const out = await this.agent.handle(message, ctx);
    const reply = out.find((m) => m.type === 'Decision');
    if (reply?.type !== 'Decision') throw new ConclaveError('AGENT_FAILED', `decision agent answered no Decision for ${snapshot.symbol}`);
    return reply.payload;
  }
}
