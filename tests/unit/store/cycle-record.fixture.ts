import type { Decision } from '../../../src/domain/decision.js';
import type { MarketSnapshot } from '../../../src/domain/market.js';
import type { AgentMessage } from '../../../src/domain/messages.js';
import type { ExecutionReport, Fill } from '../../../src/domain/order.js';
import type { Position } from '../../../src/domain/portfolio.js';
import type { CycleRecord } from '../../../src/engine/ports.js';

export interface RecordSpec {
  readonly cycleId: number;
  readonly userId: number;
  readonly symbol?: string;
  readonly time?: number;
  readonly price?: number;
  /** FILLED BUY by default; SKIPPED gives a HOLD; REJECTED a denied SELL. */
  readonly status?: 'FILLED' | 'SKIPPED' | 'REJECTED';
  readonly orderId?: string | null;
  readonly positions?: readonly Position[];
  readonly cash?: number;
  readonly idempotencyKey?: string | null;
  /** Extra fills not tied to the report (stop triggers). */
  readonly stopFills?: readonly Fill[];
}

/** A hand-made cycle record shaped like the pipeline protocol writes it. */
export function cycleRecord(spec: RecordSpec): CycleRecord {
  const symbol = spec.symbol ?? 'BTCUSDT';
  const time = spec.time ?? 1_700_000_000_000;
  const price = spec.price ?? 43_210.5;
  const status = spec.status ?? 'FILLED';
  const action = status === 'SKIPPED' ? 'HOLD' : status === 'REJECTED' ? 'SELL' : 'BUY';
  const orderId = spec.orderId === undefined ? (status === 'SKIPPED' ? null : `ORD-T-${spec.cycleId}-0`) : spec.orderId;
  const snapshot: Omit<MarketSnapshot, 'candles'> = {
    symbol,
    price,
    source: 'binance',
    interval: '1m',
    indicators: { sma_10: price - 1.25, sma_50: null, rsi_14: 55.5 },
    features: { ret_1: 0.001, rsi_14: 55.5 },
    candleTime: time - 1,
    observedAt: time,
  };
  const decision: Decision = {
    symbol,
    action,
    confidence: 0.625,
    reason: 'rsi_14 and ret_1 drove it',
    modelVersion: 'rf-test-1',
    probabilities: { BUY: 0.625, SELL: 0.25, HOLD: 0.125 },
    strategy: 'ml-classifier',
  };
  const quantity = status === 'FILLED' ? 0.01 : 0;
  const executionPrice = status === 'FILLED' ? price * 1.0005 : null;
  const fee = status === 'FILLED' ? 0.01 * price * 1.0005 * 0.001 : 0;
  const report: ExecutionReport = {
    executed: status === 'FILLED',
    orderId,
    status,
    action,
    symbol,
    price,
    executionPrice,
    quantity,
    fee,
    time,
    reason: status === 'REJECTED' ? 'NO_POSITION: nothing to sell' : null,
  };
  const fills: Fill[] = [];
  if (status === 'FILLED' && orderId && executionPrice !== null) {
    fills.push({ orderId, symbol, side: 'BUY', quantity, price, executionPrice, fee, time });
  }
  fills.push(...(spec.stopFills ?? []));
  const base = { cycleId: spec.cycleId, tsEvent: time, tsInit: time };
  const messages: AgentMessage[] = [
    { ...base, id: `m-${spec.cycleId}-0`, seq: 0, from: 'engine', to: 'market-monitor', type: 'CycleRequested', payload: { symbol } },
    {
      ...base,
      id: `m-${spec.cycleId}-1`,
      seq: 1,
      from: 'market-monitor',
      to: 'decision-maker',
      type: 'MarketSnapshot',
      payload: { ...snapshot, candles: [] },
    },
    { ...base, id: `m-${spec.cycleId}-2`, seq: 2, from: 'decision-maker', to: 'risk-manager', type: 'Decision', payload: decision },
    ...(spec.stopFills ?? []).map(
      (fill, i): AgentMessage => ({
        ...base,
        id: `m-${spec.cycleId}-s${i}`,
        seq: 3 + i,
        from: 'risk-manager',
        to: 'engine',
        type: 'StopTriggered',
        payload: { fill, kind: 'STOP_LOSS' },
      }),
    ),
  ];
  const positions = spec.positions ?? (status === 'FILLED' ? [{ symbol, quantity, avgPrice: executionPrice ?? price }] : []);
  const cash = spec.cash ?? 10_000 - (status === 'FILLED' ? quantity * (executionPrice ?? 0) + fee : 0);
  const marked = positions.map((p) => ({ ...p, markPrice: price, unrealizedPnl: p.quantity * (price - p.avgPrice) }));
  const unrealizedPnl = marked.reduce((s, p) => s + p.unrealizedPnl, 0);
  return {
    cycleId: spec.cycleId,
    userId: spec.userId,
    symbol,
    protocol: 'pipeline',
    startedAt: time,
    finishedAt: time + 2,
    snapshot,
    decision,
    reports: [report],
    decisionStatus: status,
    fills,
    messages,
    logs: { market_agent: 'ok', decision_agent: 'ok', execution_agent: status },
    portfolio: {
      snapshot: {
        cash,
        equity: cash + marked.reduce((s, p) => s + p.quantity * p.markPrice, 0),
        realizedPnl: 0,
        unrealizedPnl,
        feesPaid: fee,
        positions: marked,
        time,
      },
      positions,
    },
    modelVersion: 'rf-test-1',
    response: { cycle_id: spec.cycleId, decision: { action }, execution: { status, order_id: orderId } },
    idempotencyKey: spec.idempotencyKey ?? null,
  };
}
