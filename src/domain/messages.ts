import type { Decision } from './decision.js';
import type { DenialCode, HaltCode } from './denials.js';
import type { ErrorCode } from './errors.js';
import type { MarketSnapshot } from './market.js';
import type { ExecutionReport, Fill, OrderIntent } from './order.js';

/**
 * Payloads by message type. Data are nouns, events past tense. Adding a type here is the one place a
 * new kind of message is declared; the bus, store and WebSocket carry any of them.
 */
export interface MessagePayloads {
  CycleRequested: { readonly symbol: string };
  MarketSnapshot: MarketSnapshot;
  Decision: Decision;
  /** A decision the risk gate let through, with size and stops. */
  OrderIntent: OrderIntent;
  /** A next-open order waiting for the next candle's open (backtests and replays). */
  OrderAccepted: { readonly intent: OrderIntent; readonly orderId: string };
  OrderFilled: { readonly fill: Fill; readonly report: ExecutionReport };
  OrderSkipped: { readonly report: ExecutionReport };
  OrderDenied: { readonly reasonCode: DenialCode; readonly reason: string; readonly report: ExecutionReport };
  StopTriggered: { readonly fill: Fill; readonly kind: 'STOP_LOSS' | 'TAKE_PROFIT' };
  RegimeChanged: { readonly symbol: string; readonly from: string | null; readonly to: string };
  /** The regime agent's reading of every cycle (RegimeChanged marks only the switches). */
  RegimeClassified: {
    readonly symbol: string;
    readonly regime: string;
    readonly changed: boolean;
    /** Close time of the candle the reading is for (selection cooldowns count bars by it). */
    readonly candleTime: number;
    readonly metrics: Readonly<Record<string, number>>;
  };
  StrategiesSelected: { readonly symbol: string; readonly regime: string; readonly enabled: readonly string[] };
  Vote: { readonly voter: string; readonly decision: Decision; readonly weight: number };
  TradingHalted: { readonly reasonCode: HaltCode; readonly reason: string };
  Heartbeat: { readonly agent: string; readonly status: string; readonly details?: Record<string, unknown> };
  AgentError: { readonly agent: string; readonly code: ErrorCode; readonly message: string };
  /** A research candidate with a PASSED verdict was handed to champion/challenger. */
  CandidateProposed: {
    readonly challengerId: string;
    readonly campaignId: string;
    readonly strategy: string;
    readonly params: Readonly<Record<string, number | string | boolean>>;
  };
  /** The candidate now paper-trades in shadow on its own account until `until` (clock ms). */
  ChallengerStarted: { readonly challengerId: string; readonly strategy: string; readonly accountId: number; readonly until: number };
  /** The challenger beat the champion inside its Monte Carlo band: the enable map now runs it. */
  StrategyPromoted: {
    readonly challengerId: string;
    readonly strategy: string;
    readonly params: Readonly<Record<string, number>>;
    readonly regimes: readonly string[];
    readonly shadowReturn: number;
    readonly championReturn: number;
  };
  /** The challenger was not promoted; `reason` says which condition failed, with the figures. */
  StrategyRetired: { readonly challengerId: string; readonly strategy: string; readonly reason: string };
}

export type MessageType = keyof MessagePayloads;

/** Every message on the bus: an immutable envelope with two timestamps (event time and observed time). */
export interface Envelope<T extends MessageType = MessageType> {
  readonly id: string;
  readonly cycleId: number;
  /** Position within the cycle, from 0: dispatch order, so a replay reproduces the run. */
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly type: T;
  readonly payload: MessagePayloads[T];
  readonly tsEvent: number;
  readonly tsInit: number;
}

export type AgentMessage = { [T in MessageType]: Envelope<T> }[MessageType];

/** A message an agent wants sent; the bus stamps id, cycle, sequence and tsInit. */
export type OutgoingMessage = {
  [T in MessageType]: { readonly to: string; readonly type: T; readonly payload: MessagePayloads[T]; readonly tsEvent?: number };
}[MessageType];
