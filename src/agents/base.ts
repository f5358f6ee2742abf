import type { Clock } from '../domain/clock.js';
import type { AgentMessage, OutgoingMessage } from '../domain/messages.js';
import type { Portfolio } from '../execution/portfolio.js';

/** Well-known agent names; `engine` is the coordinator that starts a cycle and receives its outcome. */
export const AGENTS = {
  engine: 'engine',
  marketMonitor: 'market-monitor',
  decisionMaker: 'decision-maker',
  riskManager: 'risk-manager',
  execution: 'execution',
  brain: 'brain',
  regime: 'regime',
  strategySelection: 'strategy-selection',
  monitor: 'monitor',
  research: 'research',
} as const;

/** What an agent may use during one cycle. No HTTP, SQL, env or wall clock: only these. */
export interface CycleContext {
  readonly cycleId: number;
  readonly userId: number;
  readonly symbol: string;
  readonly clock: Clock;
  /** Last known price per symbol, for marking the book. */
  readonly marks: Map<string, number>;
  /**
   * The account book for this cycle. The first call locks the account until the cycle is saved, so cycles of
   * one account never interleave their fills; market reads before it run unlocked.
   */
  book(): Promise<Portfolio>;
  /** A new order id, unique across processes (derived from the cycle id and the order's index in it). */
  newOrderId(): string;
  /**
   * One human line per agent for the seed's `logs` object (later lines replace earlier ones). A function is
   * called only if the logs are read (the SQL store and the API read them, a backtest's store does not).
   */
  log(agent: string, line: string | (() => string)): void;
}

export interface Agent {
  readonly name: string;
  /** Reacts to one message; returns the messages to send next. A throw becomes an AgentError event. */
  handle(message: AgentMessage, ctx: CycleContext): Promise<readonly OutgoingMessage[]> | readonly OutgoingMessage[];
  /**
   * Releases what the agent kept for this cycle. The engine calls it after every cycle, saved or failed, so a
   * cycle that failed half way leaves nothing behind.
   */
  cycleEnded?(cycleId: number): void;
}
