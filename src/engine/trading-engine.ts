import type { Agent, CycleContext } from '../agents/base.js';
import { AGENTS } from '../agents/base.js';
import type { Decision } from '../domain/decision.js';
import { ConclaveError } from '../domain/errors.js';
import { type MarketSnapshot, withoutCandles } from '../domain/market.js';
import type { AgentMessage } from '../domain/messages.js';
import type { ExecutionReport, Fill, OrderIntent } from '../domain/order.js';
import type { PortfolioSnapshot } from '../domain/portfolio.js';
import { orderId } from '../execution/paper-broker.js';
import type { Portfolio } from '../execution/portfolio.js';
import type { AgentRegistry } from './agent-registry.js';
import type { BookKeeper, BookLease } from './book-keeper.js';
import { type BusObserver, MessageBus } from './bus.js';
import type { Clock } from './clock.js';
import { type SeedCycleResponse, toSeedResponse } from './cycle-response.js';
import type { CycleRecord, CycleStore } from './ports.js';

/** A coordination protocol: its agents and the one that receives `CycleRequested`. */
export interface Protocol {
  readonly name: string;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly entry: string;
}

export interface CycleOutcome {
  readonly cycleId: number;
  readonly userId: number;
  readonly symbol: string;
  readonly protocol: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly snapshot: MarketSnapshot;
  readonly decision: Decision;
  /** Orders that reached FILLED, REJECTED or SKIPPED in this cycle, this decision's and earlier ones'. */
  readonly reports: readonly ExecutionReport[];
  /** What became of this cycle's decision: its fill, denial or skip, or PENDING until the next candle's open. */
  readonly decisionReport: ExecutionReport;
  /** Orders of earlier decisions settled in this cycle (next-open fills, or refusals at the fill). */
  readonly settled: readonly ExecutionReport[];
  readonly fills: readonly Fill[];
  readonly messages: readonly AgentMessage[];
  readonly logs: Readonly<Record<string, string>>;
  readonly portfolio: PortfolioSnapshot;
  readonly response: SeedCycleResponse;
}

export interface RunCycleOptions {
  readonly userId?: number;
  /** Set by schedulers (symbol + candle time) so a retried job never fills twice. */
  readonly idempotencyKey?: string;
}

export interface TradingEngineDeps {
  readonly clock: Clock;
  readonly store: CycleStore;
  readonly books: BookKeeper;
  readonly protocol: Protocol;
  readonly registry: AgentRegistry;
  readonly observer?: BusObserver;
  /** Last known prices across symbols (shared with the API's portfolio views). */
  readonly marks?: Map<string, number>;
}

export const LOCAL_USER_ID = 1;

type CycleListener = (outcome: CycleOutcome) => void;
type FailureListener = (symbol: string, error: unknown) => void;

/**
 * Runs one cycle of the configured protocol for a symbol: the agents exchange typed messages on the bus,
 * and the whole outcome (cycle, messages, snapshot, decision, orders, book, equity point) is saved in one
 * transaction. A cycle that fails (venue down, agent error, store error) saves nothing, leaves the book as it
 * was, and rejects with the first ConclaveError.
 */
export class TradingEngine {
  private readonly bus: MessageBus;
  private readonly listeners = new Set<CycleListener>();
  private readonly failureListeners = new Set<FailureListener>();
  readonly marks: Map<string, number>;

  constructor(private readonly deps: TradingEngineDeps) {
    this.bus = new MessageBus(deps.protocol.agents, deps.registry, deps.observer);
    this.marks = deps.marks ?? new Map();
  }

  get protocolName(): string {
    return this.deps.protocol.name;
  }

  /** Called after every saved cycle (WebSocket, metrics, reports). Returns an unsubscribe function. */
  onCycle(listener: CycleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after every cycle that failed and saved nothing (feed health). Returns an unsubscribe function. */
  onCycleFailed(listener: FailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /**
   * @throws ConclaveError from the failing agent or store: MARKET_DATA_UNAVAILABLE, UNKNOWN_SYMBOL,
   * MARKET_DATA_INVALID, STORE_UNAVAILABLE, CONFLICT (idempotency key already used), AGENT_FAILED.
   */
  async runCycle(symbol: string, options: RunCycleOptions = {}): Promise<CycleOutcome> {
    const { clock, store, books, protocol } = this.deps;
    const userId = options.userId ?? LOCAL_USER_ID;
    const cycleId = await store.nextCycleId();
    const startedAt = clock.now();
    const lines: Record<string, string | (() => string)> = {};
    let resolvedLogs: Record<string, string> | undefined;
    const logs = (): Readonly<Record<string, string>> => {
      if (!resolvedLogs) {
        resolvedLogs = {};
        for (const agent in lines) {
          const line = lines[agent];
          resolvedLogs[agent] = typeof line === 'string' ? line : line();
        }
      }
      return resolvedLogs;
    };
    let lease: BookLease | undefined;
    let leasing: Promise<Portfolio> | undefined;
    let orders = 0;
    const ctx: CycleContext = {
      cycleId,
      userId,
      symbol,
      clock,
      marks: this.marks,
      // One lease per cycle; later calls get the same promise instead of a new async frame each.
      book: () => {
        leasing ??= books.lease(userId).then((l) => {
          lease = l;
          return l.book;
        });
        return leasing;
      },
      newOrderId: () => orderId(clock.now(), cycleId, ++orders),
      log: (agent, line) => {
        lines[agent] = line;
      },
    };
    try {
      const { messages, errors } = await this.bus.dispatch(ctx, { to: protocol.entry, type: 'CycleRequested', payload: { symbol } });
      if (errors.length > 0) throw errors[0];
      const outcome = this.collect(cycleId, userId, symbol, startedAt, messages, logs, await ctx.book());
      let compacted: AgentMessage[] | undefined;
      const record: CycleRecord = {
        cycleId,
        userId,
        symbol,
        protocol: protocol.name,
        startedAt,
        finishedAt: outcome.finishedAt,
        snapshot: withoutCandles(outcome.snapshot),
        decision: outcome.decision,
        reports: outcome.reports,
        decisionStatus: outcome.decisionReport.status,
        fills: outcome.fills,
        // Compacted on first read: the SQL store reads them, a backtest's in-memory store does not.
        get messages() {
          compacted ??= messages.map(compactMessage);
          return compacted;
        },
        get logs() {
          return logs();
        },
        portfolio: { snapshot: outcome.portfolio, positions: (await ctx.book()).openPositions() },
        modelVersion: outcome.decision.modelVersion,
        get response() {
          return outcome.response;
        },
        idempotencyKey: options.idempotencyKey ?? null,
      };
      await store.saveCycle(record);
      lease?.commit();
      for (const listener of this.listeners) listener(outcome);
      return outcome;
    } catch (error) {
      for (const listener of this.failureListeners) listener(symbol, error);
      throw error;
    } finally {
      lease?.release();
      for (const agent of protocol.agents.values()) agent.cycleEnded?.(cycleId);
    }
  }

  private collect(
    cycleId: number,
    userId: number,
    symbol: string,
    startedAt: number,
    messages: readonly AgentMessage[],
    logs: () => Readonly<Record<string, string>>,
    book: Portfolio,
  ): CycleOutcome {
    let snapshot: MarketSnapshot | undefined;
    let decision: Decision | undefined;
    let decisionReport: ExecutionReport | undefined;
    const reports: ExecutionReport[] = [];
    const settled: ExecutionReport[] = [];
    const fills: Fill[] = [];
    // Reports before the decision belong to orders of earlier candles (next-open fills at this cycle's start).
    const settle = (report: ExecutionReport): void => {
      reports.push(report);
      if (decision) decisionReport ??= report;
      else settled.push(report);
    };
    for (const m of messages) {
      switch (m.type) {
        case 'MarketSnapshot':
          snapshot ??= m.payload;
          break;
        case 'Decision':
          decision = m.payload;
          break;
        case 'OrderFilled':
          settle(m.payload.report);
          fills.push(m.payload.fill);
          break;
        case 'OrderSkipped':
        case 'OrderDenied':
          settle(m.payload.report);
          break;
        case 'OrderAccepted':
          if (decision) decisionReport ??= pending(m.payload.intent, m.payload.orderId, this.deps.clock.now());
          break;
        case 'StopTriggered':
          fills.push(m.payload.fill);
          break;
      }
    }
    if (!snapshot || !decision) {
      throw new ConclaveError(
        'AGENT_FAILED',
        `cycle ${cycleId} of protocol ${this.deps.protocol.name} ended without a ${snapshot ? 'Decision' : 'MarketSnapshot'}`,
      );
    }
    const finishedAt = this.deps.clock.now();
    const report = decisionReport ?? skipped(decision, snapshot.price, finishedAt);
    const portfolio = book.snapshot(this.marks, finishedAt);
    let response: SeedCycleResponse | undefined;
    return {
      cycleId,
      userId,
      symbol,
      protocol: this.deps.protocol.name,
      startedAt,
      finishedAt,
      snapshot,
      decision,
      reports: reports.length > 0 ? reports : [report],
      decisionReport: report,
      settled,
      fills,
      messages,
      get logs() {
        return { ...logs() };
      },
      portfolio,
      // Built on first read: the API and the SQL store read it, a backtest's in-memory store never does.
      get response(): SeedCycleResponse {
        if (!response) {
          response = toSeedResponse(cycleId, startedAt, withoutCandles(snapshot), decision, report, settled, {
            [AGENTS.execution]: '',
            ...logs(),
          });
        }
        return response;
      },
    };
  }
}

/**
 * The form a message is stored and streamed in: a MarketSnapshot keeps its indicators and features but not
 * the candles it was computed from (about 15 kB a cycle, and they can be fetched again from the venue or the
 * candle store by symbol, interval and `candleTime`).
 */
export function compactMessage(message: AgentMessage): AgentMessage {
  if (message.type !== 'MarketSnapshot') return message;
  return { ...message, payload: { ...message.payload, candles: [] } };
}

function pending(intent: OrderIntent, orderId: string, time: number): ExecutionReport {
  return {
    executed: false,
    orderId,
    status: 'PENDING',
    action: intent.side,
    symbol: intent.symbol,
    price: intent.referencePrice,
    executionPrice: null,
    quantity: intent.quantity,
    fee: 0,
    time,
    reason: null,
  };
}

function skipped(decision: Decision, price: number, time: number): ExecutionReport {
  return {
    executed: false,
    orderId: null,
    status: 'SKIPPED',
    action: decision.action,
    symbol: decision.symbol,
    price,
    executionPrice: null,
    quantity: 0,
    fee: 0,
    time,
    reason: null,
  };
}
