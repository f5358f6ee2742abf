import { describe, expect, it } from 'vitest';
import { AGENTS, type Agent, type CycleContext } from '../../../src/agents/base.js';
import { ConclaveError } from '../../../src/domain/errors.js';
import type { AgentMessage, OutgoingMessage } from '../../../src/domain/messages.js';
import { AgentRegistry } from '../../../src/engine/agent-registry.js';
import { BookKeeper } from '../../../src/engine/book-keeper.js';
import { MessageBus } from '../../../src/engine/bus.js';
import { SimClock } from '../../../src/engine/clock.js';
import type { CycleRecord, CycleStore } from '../../../src/engine/ports.js';
import { TradingEngine } from '../../../src/engine/trading-engine.js';
import type { Book } from '../../../src/execution/portfolio.js';

const clock = new SimClock(Date.UTC(2025, 0, 1));

function ctx(cycleId = 1): CycleContext {
  return {
    cycleId,
    userId: 1,
    symbol: 'BTCUSDT',
    clock,
    marks: new Map(),
    book: () => Promise.reject(new Error('no book')),
    newOrderId: () => 'ORD',
    log: () => {},
  };
}

/** An agent that forwards to the next names in order, recording what it saw. */
function relay(name: string, to: string[], seen: string[]): Agent {
  return {
    name,
    handle(m: AgentMessage): readonly OutgoingMessage[] {
      seen.push(`${name}<-${m.from}:${m.type}`);
      return to.map((t) => ({ to: t, type: 'Heartbeat', payload: { agent: name, status: 'ok' } }) as const);
    },
  };
}

describe('message bus', () => {
  it('dispatches FIFO and deterministically, numbering messages in order', async () => {
    const runs: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const seen: string[] = [];
      const agents = new Map<string, Agent>([
        ['a', relay('a', ['b', 'c'], seen)],
        ['b', relay('b', [AGENTS.engine], seen)],
        ['c', relay('c', ['b'], seen)],
      ]);
      const { messages, errors } = await new MessageBus(agents, new AgentRegistry()).dispatch(ctx(), {
        to: 'a',
        type: 'CycleRequested',
        payload: { symbol: 'X' },
      });
      expect(errors).toEqual([]);
      expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i));
      expect(messages.map((m) => `${m.from}->${m.to}`)).toEqual(['engine->a', 'a->b', 'a->c', 'b->engine', 'c->b', 'b->engine']);
      runs.push(seen);
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('turns a throw into an AgentError event and records it in the registry', async () => {
    const registry = new AgentRegistry();
    const boom: Agent = {
      name: 'boom',
      handle: () => {
        throw new ConclaveError('MARKET_DATA_UNAVAILABLE', 'venue down');
      },
    };
    const { messages, errors } = await new MessageBus(new Map([['boom', boom]]), registry).dispatch(ctx(), {
      to: 'boom',
      type: 'CycleRequested',
      payload: { symbol: 'X' },
    });
    expect(errors.map((e) => e.code)).toEqual(['MARKET_DATA_UNAVAILABLE']);
    expect(messages.at(-1)).toMatchObject({ type: 'AgentError', from: 'boom', to: 'engine', payload: { code: 'MARKET_DATA_UNAVAILABLE' } });
    expect(registry.get('boom')).toMatchObject({ runs: 1, errors: 1, lastError: 'MARKET_DATA_UNAVAILABLE: venue down' });
  });

  it('wraps a non-Conclave throw as AGENT_FAILED and stops a runaway protocol', async () => {
    const bad: Agent = {
      name: 'bad',
      handle: () => {
        throw new TypeError('oops');
      },
    };
    const loop: Agent = { name: 'loop', handle: () => [{ to: 'loop', type: 'Heartbeat', payload: { agent: 'loop', status: 'ok' } }] };
    const bus = new MessageBus(
      new Map<string, Agent>([
        ['bad', bad],
        ['loop', loop],
      ]),
      new AgentRegistry(),
    );
    const one = await bus.dispatch(ctx(), { to: 'bad', type: 'CycleRequested', payload: { symbol: 'X' } });
    expect(one.errors[0].code).toBe('AGENT_FAILED');
    expect(one.errors[0].message).toContain('oops');
    const two = await bus.dispatch(ctx(), { to: 'loop', type: 'CycleRequested', payload: { symbol: 'X' } });
    expect(two.errors[0].message).toMatch(/exceeded 1000 messages/);
  });
});

describe('book keeper', () => {
  const load = async (): Promise<Book> => ({ cash: 1_000, realizedPnl: 0, feesPaid: 0, positions: [] });

  it('serialises leases of one account and discards uncommitted work', async () => {
    const keeper = new BookKeeper({ startingCapital: 1_000, allowShort: false }, load);
    const first = await keeper.lease(1);
    let secondGranted = false;
    const second = keeper.lease(1).then((l) => {
      secondGranted = true;
      return l;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondGranted).toBe(false);
    first.book.apply({ orderId: 'o', symbol: 'X', side: 'BUY', quantity: 1, price: 100, executionPrice: 100, fee: 1, time: 0 });
    first.release(); // no commit: the fill is discarded
    const lease = await second;
    expect(lease.book.cash).toBe(1_000);
    lease.book.apply({ orderId: 'p', symbol: 'X', side: 'BUY', quantity: 1, price: 100, executionPrice: 100, fee: 1, time: 0 });
    lease.commit();
    lease.release();
    expect((await keeper.peek(1)).cash).toBe(899);
  });
});

describe('trading engine', () => {
  class MemoryStore implements CycleStore {
    next = 0;
    saved: CycleRecord[] = [];
    failNext = false;
    async nextCycleId() {
      return ++this.next;
    }
    async saveCycle(record: CycleRecord) {
      if (this.failNext) {
        this.failNext = false;
        throw new ConclaveError('STORE_UNAVAILABLE', 'disk full');
      }
      this.saved.push(record);
    }
  }

  /** A pipeline in miniature: snapshot -> BUY decision -> fill through the book. */
  function protocol(): Map<string, Agent> {
    const monitor: Agent = {
      name: 'm',
      handle: (_m, c) => {
        c.marks.set('BTCUSDT', 100);
        return [
          {
            to: 'd',
            type: 'MarketSnapshot',
            payload: {
              symbol: 'BTCUSDT',
              price: 100,
              source: 'synthetic',
              interval: '1m',
              indicators: { sma_10: null, sma_50: null, rsi_14: null },
              features: null,
              candles: [],
              candleTime: 0,
              observedAt: 0,
            },
          },
        ];
      },
    };
    const decide: Agent = {
      name: 'd',
      handle: () => [
        {
          to: 'x',
          type: 'OrderIntent',
          payload: { symbol: 'BTCUSDT', side: 'BUY', quantity: 2, referencePrice: 100, strategy: 't' },
        },
        {
          to: AGENTS.engine,
          type: 'Decision',
          payload: {
            symbol: 'BTCUSDT',
            action: 'BUY',
            confidence: 0.9,
            reason: 'r',
            modelVersion: 'v',
            probabilities: { BUY: 0.9, SELL: 0.05, HOLD: 0.05 },
            strategy: 't',
          },
        },
      ],
    };
    const execute: Agent = {
      name: 'x',
      handle: async (m, c) => {
        if (m.type !== 'OrderIntent') return [];
        const book = await c.book();
        const fill = {
          orderId: c.newOrderId(),
          symbol: 'BTCUSDT',
          side: 'BUY' as const,
          quantity: 2,
          price: 100,
          executionPrice: 100,
          fee: 0.2,
          time: 0,
        };
        book.apply(fill);
        const report = {
          executed: true,
          orderId: fill.orderId,
          status: 'FILLED' as const,
          action: 'BUY' as const,
          symbol: 'BTCUSDT',
          price: 100,
          executionPrice: 100,
          quantity: 2,
          fee: 0.2,
          time: 0,
          reason: null,
        };
        return [{ to: AGENTS.engine, type: 'OrderFilled', payload: { fill, report } }];
      },
    };
    return new Map([
      ['m', monitor],
      ['d', decide],
      ['x', execute],
    ]);
  }

  function engine(store: MemoryStore) {
    const books = new BookKeeper({ startingCapital: 1_000, allowShort: false }, async () => ({
      cash: 1_000,
      realizedPnl: 0,
      feesPaid: 0,
      positions: [],
    }));
    return {
      books,
      engine: new TradingEngine({
        clock,
        store,
        books,
        registry: new AgentRegistry(),
        protocol: { name: 'test', agents: protocol(), entry: 'm' },
      }),
    };
  }

  it('saves one record per cycle with the book after it and notifies listeners', async () => {
    const store = new MemoryStore();
    const { engine: e, books } = engine(store);
    const seen: number[] = [];
    e.onCycle((o) => seen.push(o.cycleId));
    const outcome = await e.runCycle('BTCUSDT');
    expect(outcome.response.execution).toMatchObject({ status: 'FILLED', order_id: 'ORD-20250101-000001-1' });
    expect(store.saved).toHaveLength(1);
    expect(store.saved[0].portfolio?.snapshot).toMatchObject({ cash: 799.8, equity: 999.8 });
    expect(store.saved[0].messages.map((m) => m.type)).toEqual([
      'CycleRequested',
      'MarketSnapshot',
      'OrderIntent',
      'Decision',
      'OrderFilled',
    ]);
    expect(seen).toEqual([1]);
    expect((await books.peek(1)).cash).toBe(799.8);
  });

  it('a failing save leaves the book untouched and rejects with the store error', async () => {
    const store = new MemoryStore();
    const { engine: e, books } = engine(store);
    store.failNext = true;
    await expect(e.runCycle('BTCUSDT')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((await books.peek(1)).cash).toBe(1_000);
    await e.runCycle('BTCUSDT');
    expect((await books.peek(1)).cash).toBe(799.8);
  });

  it('every agent is told the cycle ended, whether it was saved or failed', async () => {
    const store = new MemoryStore();
    const ended: number[] = [];
    const agents = new Map(protocol());
    agents.set('x', { ...agents.get('x')!, cycleEnded: (id: number) => ended.push(id) });
    const e = new TradingEngine({
      clock,
      store,
      books: new BookKeeper({ startingCapital: 1_000, allowShort: false }, async () => ({
        cash: 1_000,
        realizedPnl: 0,
        feesPaid: 0,
        positions: [],
      })),
      registry: new AgentRegistry(),
      protocol: { name: 'test', agents, entry: 'm' },
    });
    store.failNext = true;
    await expect(e.runCycle('BTCUSDT')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const { cycleId } = await e.runCycle('BTCUSDT');
    expect(ended).toEqual([cycleId - 1, cycleId]);
  });
});
