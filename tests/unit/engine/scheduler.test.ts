import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Interval, intervalMs } from '../../../src/domain/candle.js';
import { ConclaveError } from '../../../src/domain/errors.js';
import { CONTINUOUS, US_DAILY_CYCLE_OFFSET_MS, US_EQUITIES } from '../../../src/domain/trading-calendar.js';
import { SimClock } from '../../../src/engine/clock.js';
import {
  type CycleRunner,
  Scheduler,
  type SchedulerHooks,
  type ScheduleStateStore,
  type StoredSchedule,
  type Timers,
} from '../../../src/engine/scheduler.js';

const MIN = 60_000;
/** 2024-01-01T00:00:00Z: a minute (and hour) boundary, written out so the test does not derive it. */
const T0 = 1_704_067_200_000;

class MemoryState implements ScheduleStateStore {
  readonly rows = new Map<string, StoredSchedule>();
  async get(userId: number, name: string) {
    return this.rows.get(`${userId}/${name}`) ?? null;
  }
  async put(state: StoredSchedule) {
    this.rows.set(`${state.userId}/${state.name}`, state);
  }
  async all() {
    return [...this.rows.values()];
  }
}

interface Call {
  symbol: string;
  userId: number;
  key: string;
  resolve(): void;
  reject(e: unknown): void;
}

/** An engine whose cycles finish when the test says so (or at once with `instant`). */
class FakeEngine implements CycleRunner {
  readonly calls: Call[] = [];
  running = 0;
  maxRunningPerSymbol = 0;
  private readonly perSymbol = new Map<string, number>();
  constructor(private readonly instant: boolean) {}
  runCycle(symbol: string, options: { userId: number; idempotencyKey: string }) {
    const n = (this.perSymbol.get(symbol) ?? 0) + 1;
    this.perSymbol.set(symbol, n);
    this.maxRunningPerSymbol = Math.max(this.maxRunningPerSymbol, n);
    return new Promise<{ cycleId: number }>((resolve, reject) => {
      const done = () => this.perSymbol.set(symbol, (this.perSymbol.get(symbol) ?? 1) - 1);
      const call: Call = {
        symbol,
        userId: options.userId,
        key: options.idempotencyKey,
        resolve: () => {
          done();
          resolve({ cycleId: this.calls.indexOf(call) + 1 });
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      this.calls.push(call);
      if (this.instant) call.resolve();
    });
  }
}

function setup(
  opts: {
    instant?: boolean;
    symbols?: string[];
    state?: MemoryState;
    now?: number;
    timers?: Timers;
    defaultInterval?: Interval;
    hooks?: SchedulerHooks;
    sessionOffset?: (symbol: string, interval: Interval) => number;
  } = {},
) {
  const clock = new SimClock(opts.now ?? T0 + 30_000);
  const engine = new FakeEngine(opts.instant ?? true);
  const state = opts.state ?? new MemoryState();
  const scheduler = new Scheduler({
    clock,
    engine,
    state,
    symbols: async () => opts.symbols ?? ['BTCUSDT', 'ETHUSDT'],
    closeDelayMs: 2_000,
    timers: opts.timers,
    defaultInterval: opts.defaultInterval,
    hooks: opts.hooks,
    sessionOffset: opts.sessionOffset,
  });
  return { clock, engine, state, scheduler };
}

describe('Scheduler (embedded)', () => {
  it('runs each symbol once per candle, keyed by the candle that just closed, after the close delay', async () => {
    const { clock, engine, scheduler } = setup();
    await scheduler.start(1, '1m');
    await scheduler.tick(); // 00:00:30: the 23:59 candle closed at 00:00:00
    expect(engine.calls.map((c) => c.key)).toEqual([`u1:BTCUSDT:1m:${T0 - MIN}`, `u1:ETHUSDT:1m:${T0 - MIN}`]);
    clock.set(T0 + MIN + 1_999); // 00:01:01.999: inside the delay, not yet
    await scheduler.tick();
    expect(engine.calls).toHaveLength(2);
    clock.set(T0 + MIN + 2_000);
    await scheduler.tick();
    expect(engine.calls.slice(2).map((c) => c.key)).toEqual([`u1:BTCUSDT:1m:${T0}`, `u1:ETHUSDT:1m:${T0}`]);
    await scheduler.tick(); // same boundary again: nothing
    expect(engine.calls).toHaveLength(4);
    const status = await scheduler.status(1);
    expect(status).toMatchObject({
      running: true,
      interval: '1m',
      cyclesRun: 4,
      missedTicks: 0,
      errors: 0,
      symbols: ['BTCUSDT', 'ETHUSDT'],
    });
  });

  it('never runs two cycles of one symbol at once: the overlapping tick is counted as missed', async () => {
    const { clock, engine, scheduler } = setup({ instant: false, symbols: ['BTCUSDT'] });
    await scheduler.start(1, '1m');
    const first = scheduler.tick();
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(engine.calls).toHaveLength(1);
    clock.set(T0 + MIN + 5_000);
    await scheduler.tick(); // the 00:00 cycle is still running
    expect(engine.calls).toHaveLength(1);
    expect(engine.maxRunningPerSymbol).toBe(1);
    engine.calls[0].resolve();
    await first;
    expect(await scheduler.status(1)).toMatchObject({ cyclesRun: 1, missedTicks: 1 });
  });

  it('counts ticks that passed while busy or down as missed and runs only the newest candle', async () => {
    const { clock, engine, scheduler } = setup({ symbols: ['BTCUSDT'] });
    await scheduler.start(1, '5m');
    clock.set(T0 + 2 * MIN); // 00:02: newest 5m boundary is 00:00
    await scheduler.tick();
    clock.set(T0 + 5 * 5 * MIN + 3_000); // 00:25:03: boundaries 00:05..00:25 passed, four of them unrun
    await scheduler.tick();
    expect(engine.calls.map((c) => c.key)).toEqual([`u1:BTCUSDT:5m:${T0 - 5 * MIN}`, `u1:BTCUSDT:5m:${T0 + 20 * MIN}`]);
    expect(await scheduler.status(1)).toMatchObject({ cyclesRun: 2, missedTicks: 4 });
  });

  it('a restart resumes the same schedule and counters and does not rerun a handled candle', async () => {
    const state = new MemoryState();
    const a = setup({ state, symbols: ['BTCUSDT'] });
    await a.scheduler.start(7, '1m');
    await a.scheduler.tick();
    await a.scheduler.close();

    const b = setup({ state, symbols: ['BTCUSDT'], now: T0 + 50_000 });
    expect(await b.scheduler.resume()).toBe(1);
    expect(await b.scheduler.status(7)).toMatchObject({ running: true, interval: '1m', cyclesRun: 1 });
    await b.scheduler.tick(); // still the 00:00 boundary: handled before the restart
    expect(b.engine.calls).toHaveLength(0);
    b.clock.set(T0 + 3 * MIN + 2_500); // down for two closes
    await b.scheduler.tick();
    expect(b.engine.calls.map((c) => c.key)).toEqual([`u7:BTCUSDT:1m:${T0 + 2 * MIN}`]);
    expect(await b.scheduler.status(7)).toMatchObject({ cyclesRun: 2, missedTicks: 2 });
  });

  it('a clock behind the stored schedule (a replay after a live run) rebases it and trades, never waits', async () => {
    const state = new MemoryState();
    const live = setup({ state, symbols: ['BTCUSDT'], now: T0 + 30_000 });
    await live.scheduler.start(1, '1m');
    await live.scheduler.tick();
    await live.scheduler.close();

    // The recording's clock is six years earlier than the stored last boundary.
    const replayNow = Date.UTC(2018, 1, 9, 16, 0, 3);
    const rebased: { storedBoundary: number; now: number }[] = [];
    const replay = setup({ state, symbols: ['BTCUSDT'], now: replayNow, hooks: { onRebased: (_u, info) => rebased.push(info) } });
    await replay.scheduler.resume();
    await replay.scheduler.tick();
    expect(rebased).toEqual([{ storedBoundary: T0, now: replayNow }]);
    expect(replay.engine.calls.map((c) => c.key)).toEqual([`u1:BTCUSDT:1m:${Date.UTC(2018, 1, 9, 15, 59)}`]);
    replay.clock.set(replayNow + MIN);
    await replay.scheduler.tick();
    expect(replay.engine.calls).toHaveLength(2);
    expect(rebased).toHaveLength(1);
    expect(await replay.scheduler.status(1)).toMatchObject({ missedTicks: 0 });
  });

  it('a clock a little behind (under one candle) waits instead of rebasing', async () => {
    const { scheduler, engine } = setup({ symbols: ['BTCUSDT'], hooks: { onRebased: () => expect.unreachable() } });
    await scheduler.start(1, '1m');
    await scheduler.tick();
    await scheduler.tick(T0 - 20_000);
    expect(engine.calls).toHaveLength(1);
  });

  it('a schedule started without an interval follows KLINE_INTERVAL when the setting changes', async () => {
    const state = new MemoryState();
    const a = setup({ state, defaultInterval: '1m' });
    await a.scheduler.start(1, '1m');
    await a.scheduler.tick();
    await a.scheduler.close();

    const retimed: string[] = [];
    const b = setup({
      state,
      defaultInterval: '1h',
      now: T0 + 60 * MIN + 3_000,
      hooks: { onRetimed: (_u, i) => retimed.push(`${i.from}->${i.to}`) },
    });
    await b.scheduler.resume();
    expect(retimed).toEqual(['1m->1h']);
    expect(await b.scheduler.status(1)).toMatchObject({ running: true, interval: '1h' });
    await b.scheduler.tick();
    expect(b.engine.calls.map((c) => c.key)).toContain(`u1:BTCUSDT:1h:${T0}`);
  });

  it('an interval the user chose survives a KLINE_INTERVAL change and a later start without one', async () => {
    const state = new MemoryState();
    const a = setup({ state, defaultInterval: '1m' });
    await a.scheduler.start(1, '5m', { chosen: true });
    await a.scheduler.close();
    const b = setup({ state, defaultInterval: '1h', hooks: { onRetimed: () => expect.unreachable() } });
    await b.scheduler.resume();
    expect((await b.scheduler.status(1)).interval).toBe('5m');
    expect((await b.scheduler.start(1, '1h')).interval).toBe('5m');
  });

  it('stop is persisted: a stopped user is not resumed as running', async () => {
    const state = new MemoryState();
    const a = setup({ state });
    await a.scheduler.start(1, '1m');
    await a.scheduler.stop(1);
    const b = setup({ state });
    expect(await b.scheduler.resume()).toBe(0);
    await b.scheduler.tick();
    expect(b.engine.calls).toHaveLength(0);
    expect((await b.scheduler.status(1)).running).toBe(false);
  });

  it('close() waits for the running cycle, then ticks no more', async () => {
    const { clock, engine, scheduler } = setup({ instant: false, symbols: ['BTCUSDT'] });
    await scheduler.start(1, '1m');
    void scheduler.tick();
    await new Promise((r) => setImmediate(r));
    let closed = false;
    const closing = scheduler.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    engine.calls[0].resolve();
    await closing;
    expect(closed).toBe(true);
    expect(await scheduler.status(1)).toMatchObject({ cyclesRun: 1 });
    clock.set(T0 + 10 * MIN);
    await scheduler.tick();
    expect(engine.calls).toHaveLength(1);
  });

  it('counts a failed cycle as an error and a reused idempotency key as a duplicate, not an error', async () => {
    const { engine, scheduler } = setup({ instant: false, symbols: ['BTCUSDT', 'ETHUSDT'] });
    await scheduler.start(1, '1m');
    const t = scheduler.tick();
    await new Promise((r) => setImmediate(r));
    engine.calls[0].reject(new ConclaveError('MARKET_DATA_UNAVAILABLE', 'venue down'));
    engine.calls[1].reject(new ConclaveError('CONFLICT', 'idempotency key used'));
    await t;
    expect(await scheduler.status(1)).toMatchObject({ cyclesRun: 0, errors: 1, lastError: 'MARKET_DATA_UNAVAILABLE: venue down' });
  });

  it('a stock outside its session is skipped as market_closed: no error, no cycle counted', async () => {
    const results: string[] = [];
    const clock = new SimClock(T0 + 30_000);
    const engine = new FakeEngine(false);
    const scheduler = new Scheduler({
      clock,
      engine,
      state: new MemoryState(),
      symbols: async () => ['AAPL', 'BTCUSDT'],
      closeDelayMs: 2_000,
      hooks: { onCycle: (result, info) => results.push(`${result} ${info.symbol}`) },
    });
    await scheduler.start(1, '1m');
    const t = scheduler.tick();
    await new Promise((r) => setImmediate(r));
    engine.calls[0].reject(new ConclaveError('MARKET_CLOSED', 'market closed for AAPL'));
    engine.calls[1].resolve();
    await t;
    expect(results.sort()).toEqual(['market_closed AAPL', 'ok BTCUSDT']);
    expect(await scheduler.status(1)).toMatchObject({ cyclesRun: 1, errors: 0, lastError: null });
  });

  it('arms its timer for the next close plus the delay', async () => {
    const armed: number[] = [];
    const timers: Timers = { set: (_fn, ms) => armed.push(ms), clear: () => {} };
    const { clock, scheduler } = setup({ timers, symbols: ['BTCUSDT'] });
    scheduler.startLoop();
    await scheduler.start(1, '1m');
    expect(armed.at(-1)).toBe(0); // never ran: the newest closed candle runs now
    await scheduler.tick();
    expect(armed.at(-1)).toBe(MIN + 2_000 - 30_000); // 00:00:30 -> 00:01:02
    clock.set(T0 + MIN + 2_000);
    await scheduler.tick();
    expect(armed.at(-1)).toBe(MIN);
  });

  it('property: every candle boundary passed is either run once per symbol or counted missed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5 * MIN }), { minLength: 1, maxLength: 30 }), async (steps) => {
        const { clock, engine, scheduler } = setup({ symbols: ['A'] });
        await scheduler.start(1, '1m');
        await scheduler.tick();
        for (const step of steps) {
          clock.advance(step);
          await scheduler.tick();
        }
        const keys = engine.calls.map((c) => c.key);
        expect(new Set(keys).size).toBe(keys.length);
        const status = await scheduler.status(1);
        const first = Math.floor((T0 + 30_000 - 2_000) / MIN);
        const last = Math.floor((clock.now() - 2_000) / MIN);
        expect(status.cyclesRun + status.missedTicks).toBe(last - first + 1);
      }),
      { numRuns: 100 },
    );
  });

  it('a daily stock cycle runs inside the US session (14:35 UTC), crypto at the 00:00 UTC close; both survive a restart', async () => {
    const DAY = 86_400_000;
    const TUE = Date.UTC(2024, 0, 2); // Tuesday 2024-01-02 00:00 UTC
    const state = new MemoryState();
    const offset = (symbol: string, interval: Interval) =>
      (symbol === 'AAPL' ? US_EQUITIES : CONTINUOUS).cycleOffsetMs(intervalMs(interval));
    const { clock, engine, scheduler } = setup({ symbols: ['BTCUSDT', 'AAPL'], now: TUE + 10 * 3_600_000, state, sessionOffset: offset });
    await scheduler.start(1, '1d');
    await scheduler.tick(); // 10:00: both run their newest claimed candle at once (AAPL answers MARKET_CLOSED in production)
    expect(engine.calls.map((c) => c.symbol)).toEqual(['BTCUSDT', 'AAPL']);
    clock.set(TUE + US_DAILY_CYCLE_OFFSET_MS + 1_999);
    await scheduler.tick();
    expect(engine.calls).toHaveLength(2);
    clock.set(TUE + US_DAILY_CYCLE_OFFSET_MS + 2_000); // 14:35:02, the session is open: AAPL's cycle for Monday's bar
    await scheduler.tick();
    expect(engine.calls.slice(2).map((c) => c.key)).toEqual([`u1:AAPL:1d:${TUE - DAY}`]);
    clock.set(TUE + DAY + 2_000); // Wednesday 00:00:02: only crypto
    await scheduler.tick();
    expect(engine.calls.slice(3).map((c) => c.key)).toEqual([`u1:BTCUSDT:1d:${TUE}`]);

    // A restart on Wednesday afternoon resumes both lanes: AAPL runs once for Tuesday's bar, BTC not again.
    await scheduler.close();
    const again = setup({ symbols: ['BTCUSDT', 'AAPL'], now: TUE + DAY + 15 * 3_600_000, state, sessionOffset: offset });
    await again.scheduler.resume();
    await again.scheduler.tick();
    await again.scheduler.tick();
    expect(again.engine.calls.map((c) => c.key)).toEqual([`u1:AAPL:1d:${TUE}`]);
    expect((await again.scheduler.status(1)).missedTicks).toBe(0);
  });

  it('14:35 UTC is inside the regular US session in winter (14:30-21:00 UTC) and summer (13:30-20:00 UTC)', () => {
    const at = (d: number) => (d + US_DAILY_CYCLE_OFFSET_MS) % 86_400_000;
    const hm = (h: number, m: number) => (h * 60 + m) * 60_000;
    expect(at(Date.UTC(2024, 0, 2))).toBeGreaterThan(hm(14, 30));
    expect(at(Date.UTC(2024, 6, 2))).toBeGreaterThan(hm(13, 30));
    expect(at(Date.UTC(2024, 6, 2))).toBeLessThan(hm(20, 0));
    expect(US_EQUITIES.cycleOffsetMs(3_600_000)).toBe(0);
    expect(CONTINUOUS.cycleOffsetMs(86_400_000)).toBe(0);
  });
});
