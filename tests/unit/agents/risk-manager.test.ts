import { describe, expect, it } from 'vitest';
import type { CycleContext } from '../../../src/agents/base.js';
import { snapshotFromCandles } from '../../../src/agents/market-monitor.js';
import { RiskManagerAgent } from '../../../src/agents/risk-manager.js';
import { MemoryGovernorState } from '../../../src/backtest/memory-governor-state.js';
import type { Candle } from '../../../src/domain/candle.js';
import type { Decision } from '../../../src/domain/decision.js';
import type { AgentMessage, OutgoingMessage } from '../../../src/domain/messages.js';
import type { OrderIntent } from '../../../src/domain/order.js';
import { SimClock } from '../../../src/engine/clock.js';
import { PaperBroker } from '../../../src/execution/paper-broker.js';
import { Portfolio } from '../../../src/execution/portfolio.js';
import { RiskGovernor } from '../../../src/risk/governor.js';

const H = 3_600_000;
/** 30 hourly candles, each 100 wide (true range 100 throughout): ATR(14) = 100. */
const candles: Candle[] = Array.from({ length: 30 }, (_, i) => ({
  openTime: i * H,
  open: 1000,
  high: 1050,
  low: 950,
  close: 1000,
  volume: 1,
  closeTime: (i + 1) * H - 1,
}));

function harness(maxEntriesPerPosition = 1) {
  const clock = new SimClock(candles[candles.length - 1].closeTime);
  const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
  const limits = {
    maxDailyLoss: 0.5,
    maxDrawdown: 0.5,
    reduceAt: 1,
    maxExposure: 10,
    maxPositionPerSymbol: 10,
    maxOrdersPerMinute: 1000,
  };
  const governor = new RiskGovernor(limits, new MemoryGovernorState(), clock);
  const agent = new RiskManagerAgent(new PaperBroker({ feeBps: 0, slippageBps: 0 }), {
    sizing: { mode: 'fixed', fraction: 0.1, riskPerTrade: 0.01, quantityStep: 0.00001, allowShort: false },
    stops: { atrPeriod: 14, atrMult: 2, takeProfitR: 2 },
    governor,
    rules: [governor.rule()],
    maxEntriesPerPosition,
    next: 'execution',
  });
  let n = 0;
  const ctx = (cycleId: number): CycleContext => ({
    cycleId,
    userId: 1,
    symbol: 'X',
    clock,
    marks: new Map([['X', 1000]]),
    book: async () => book,
    newOrderId: () => `o${++n}`,
    log: () => {},
  });
  const msg = (type: string, payload: unknown) =>
    ({ id: '', cycleId: 0, seq: 0, from: 'x', to: 'risk-manager', type, payload, tsEvent: 0, tsInit: 0 }) as AgentMessage;
  const snapshot = snapshotFromCandles('X', 'replay', '1h', 1000, candles, clock.now());
  const buy: Decision = {
    symbol: 'X',
    action: 'BUY',
    confidence: 1,
    probabilities: { BUY: 1, SELL: 0, HOLD: 0 },
    reason: 'test',
    modelVersion: 'test',
    strategy: 'test',
  };
  return {
    agent,
    book,
    snapshot: (cycleId: number) => agent.handle(msg('MarketSnapshot', snapshot), ctx(cycleId)),
    decide: (cycleId: number): Promise<readonly OutgoingMessage[]> => Promise.resolve(agent.handle(msg('Decision', buy), ctx(cycleId))),
  };
}

const intentOf = (out: readonly OutgoingMessage[]) => out.find((m) => m.type === 'OrderIntent')?.payload as OrderIntent | undefined;

describe('RiskManagerAgent', () => {
  it('an entry gets stop-loss and take-profit from the cycle ATR (2 x 100 below, 2R above)', async () => {
    const h = harness();
    await h.snapshot(7);
    const intent = intentOf(await h.decide(7));
    expect(intent?.stopLoss).toBeCloseTo(800, 9);
    expect(intent?.takeProfit).toBeCloseTo(1400, 9);
  });

  it("a cycle's state is released when the engine ends it (a failed cycle leaves no ATR behind)", async () => {
    const h = harness();
    await h.snapshot(7);
    h.agent.cycleEnded(7);
    const intent = intentOf(await h.decide(7));
    expect(intent).toBeDefined();
    expect(intent?.stopLoss).toBeUndefined();
  });

  it('a BUY while long is HOLD at MAX_ENTRIES_PER_POSITION, and sized again below it', async () => {
    const one = harness(1);
    one.book.apply({ orderId: 'a', symbol: 'X', side: 'BUY', quantity: 1, price: 1000, executionPrice: 1000, fee: 0, time: 0 });
    await one.snapshot(1);
    const [held] = await one.decide(1);
    expect(held.type).toBe('Decision');
    expect((held.payload as Decision).action).toBe('HOLD');
    expect((held.payload as Decision).reason).toContain('1 of MAX_ENTRIES_PER_POSITION 1 entries');

    const two = harness(2);
    two.book.apply({ orderId: 'a', symbol: 'X', side: 'BUY', quantity: 1, price: 1000, executionPrice: 1000, fee: 0, time: 0 });
    await two.snapshot(1);
    const add = intentOf(await two.decide(1));
    expect(add?.side).toBe('BUY');
    // An add keeps the position's stops: it carries none of its own.
    expect(add?.stopLoss).toBeUndefined();
  });
});
