import { describe, expect, it } from 'vitest';
import type { CycleContext } from '../../../src/agents/base.js';
import { ExecutionAgent } from '../../../src/agents/execution-agent.js';
import type { Candle } from '../../../src/domain/candle.js';
import type { AgentMessage, OutgoingMessage } from '../../../src/domain/messages.js';
import type { OrderIntent } from '../../../src/domain/order.js';
import { SimClock } from '../../../src/engine/clock.js';
import { PaperBroker } from '../../../src/execution/paper-broker.js';
import { Portfolio } from '../../../src/execution/portfolio.js';

const H = 3_600_000;
const bar = (i: number, o: number, h: number, l: number, c: number): Candle => ({
  openTime: i * H,
  open: o,
  high: h,
  low: l,
  close: c,
  volume: 1,
  closeTime: (i + 1) * H - 1,
});

function harness(bars: Candle[]) {
  const clock = new SimClock(0);
  const book = new Portfolio({ startingCapital: 1000, allowShort: false });
  let current = -1;
  const agent = new ExecutionAgent(new PaperBroker({ feeBps: 0, slippageBps: 0 }), {
    fillTiming: 'next-open',
    currentBar: () => (current >= 0 ? bars[current] : null),
    next: 'market-monitor',
  });
  let n = 0;
  const ctx = (): CycleContext => ({
    cycleId: current + 1,
    userId: 1,
    symbol: 'X',
    clock,
    marks: new Map(),
    book: async () => book,
    newOrderId: () => `o${++n}`,
    log: () => {},
  });
  const msg = (type: string, payload: unknown) =>
    ({ id: '', cycleId: 0, seq: 0, from: 'x', to: 'execution', type, payload, tsEvent: 0, tsInit: 0 }) as AgentMessage;
  return {
    book,
    agent,
    /** Starts the cycle of bar i (clock at its close) and returns what the agent sent. */
    async cycle(i: number): Promise<readonly OutgoingMessage[]> {
      current = i;
      clock.set(bars[i].closeTime);
      return agent.handle(msg('CycleRequested', { symbol: 'X' }), ctx());
    },
    async order(intent: OrderIntent): Promise<readonly OutgoingMessage[]> {
      return agent.handle(msg('OrderIntent', intent), ctx());
    },
  };
}

const buy = (quantity: number, stops: Partial<OrderIntent> = {}): OrderIntent => ({
  symbol: 'X',
  side: 'BUY',
  quantity,
  referencePrice: 100,
  strategy: 't',
  ...stops,
});

describe('ExecutionAgent next-open', () => {
  it('accepts on candle N, fills at the open of N+1, and forwards the cycle to the old entry', async () => {
    const h = harness([bar(0, 100, 101, 99, 100), bar(1, 105, 106, 104, 105)]);
    await h.cycle(0);
    const accepted = await h.order(buy(2));
    expect(accepted.map((m) => m.type)).toEqual(['OrderAccepted']);
    expect(h.book.quantity('X')).toBe(0);
    const out = await h.cycle(1);
    expect(out.map((m) => m.type)).toEqual(['OrderFilled', 'CycleRequested']);
    expect(out[1].to).toBe('market-monitor');
    const filled = out[0].payload as { fill: { price: number; time: number } };
    expect(filled.fill.price).toBe(105);
    expect(filled.fill.time).toBe(H);
    expect(h.book.quantity('X')).toBe(2);
  });

  it('a stop-loss inside a later candle fills at the stop; a gap through it fills at the open', async () => {
    const h = harness([bar(0, 100, 100, 100, 100), bar(1, 100, 101, 99, 100), bar(2, 98, 99, 90, 95), bar(3, 80, 81, 79, 80)]);
    await h.cycle(0);
    await h.order(buy(1, { stopLoss: 95 }));
    await h.cycle(1);
    const out = await h.cycle(2);
    expect(out[0].type).toBe('StopTriggered');
    expect((out[0].payload as { fill: { price: number } }).fill.price).toBe(95);
    expect(h.book.quantity('X')).toBe(0);

    const g = harness([bar(0, 100, 100, 100, 100), bar(1, 100, 101, 99, 100), bar(2, 80, 81, 79, 80)]);
    await g.cycle(0);
    await g.order(buy(1, { stopLoss: 95 }));
    await g.cycle(1);
    const gap = await g.cycle(2);
    expect((gap[0].payload as { fill: { price: number } }).fill.price).toBe(80);
  });

  it('an order the cash no longer covers at the open is rejected, not forced', async () => {
    const h = harness([bar(0, 100, 100, 100, 100), bar(1, 200, 200, 200, 200)]);
    await h.cycle(0);
    await h.order(buy(9));
    const out = await h.cycle(1);
    expect(out[0].type).toBe('OrderDenied');
    expect((out[0].payload as { reasonCode: string }).reasonCode).toBe('INSUFFICIENT_CASH');
    expect(h.book.cash).toBe(1000);
  });

  it('immediate timing (paper trading) is unchanged: fills at the reference price at once', async () => {
    const agent = new ExecutionAgent(new PaperBroker({ feeBps: 0, slippageBps: 0 }));
    const book = new Portfolio({ startingCapital: 1000, allowShort: false });
    const ctx = {
      cycleId: 1,
      userId: 1,
      symbol: 'X',
      clock: new SimClock(5),
      marks: new Map(),
      book: async () => book,
      newOrderId: () => 'o1',
      log: () => {},
    };
    const out = await agent.handle(
      { id: '', cycleId: 1, seq: 0, from: 'r', to: 'execution', type: 'OrderIntent', payload: buy(1), tsEvent: 0, tsInit: 0 },
      ctx,
    );
    expect(out[0].type).toBe('OrderFilled');
    expect(book.quantity('X')).toBe(1);
    expect(
      await agent.handle(
        { id: '', cycleId: 1, seq: 0, from: 'e', to: 'execution', type: 'CycleRequested', payload: { symbol: 'X' }, tsEvent: 0, tsInit: 0 },
        ctx,
      ),
    ).toEqual([]);
  });
});
