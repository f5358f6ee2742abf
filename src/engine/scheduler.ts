import { type Interval, intervalMs, isInterval } from '../domain/candle.js';
import { isConclaveError } from '../domain/errors.js';
import type { Clock } from './clock.js';
import type { MonitoringControl, MonitoringStatus } from './monitoring.js';

/** The agent_state row that holds a user's schedule (the monitor agent owns continuous monitoring). */
export const SCHEDULE_AGENT = 'market-monitor';

/** Default wait after a candle close before its cycle runs, so venues have published the closed bar. */
export const DEFAULT_CLOSE_DELAY_MS = 2_000;

/** What the scheduler needs of the engine (TradingEngine satisfies it). */
export interface CycleRunner {
  runCycle(symbol: string, options: { userId: number; idempotencyKey: string }): Promise<{ readonly cycleId: number }>;
}

/** Persisted schedules (AgentStateRepository satisfies it). */
export interface ScheduleStateStore {
  get(userId: number, name: string): Promise<StoredSchedule | null>;
  put(state: StoredSchedule): Promise<void>;
  all(userId?: number): Promise<StoredSchedule[]>;
}

export interface StoredSchedule {
  readonly userId: number;
  readonly name: string;
  readonly status: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly lastRunAt: number | null;
  readonly lastError: string | null;
  readonly updatedAt: number;
}

/**
 * `ok` saved; `duplicate` the idempotency key was already used (a retry of a saved cycle); `market_closed` the
 * symbol's market was outside its session (a stock at night), so no cycle ran and nothing failed; `error` failed.
 */
export type CycleResult = 'ok' | 'error' | 'duplicate' | 'market_closed';

/** Where the scheduler reports what happened (metrics, logs). Every method is optional. */
export interface SchedulerHooks {
  onCycle?(
    result: CycleResult,
    info: { userId: number; symbol: string; key: string; cycleId?: number; code?: string; message?: string },
  ): void;
  onMissed?(userId: number, ticks: number): void;
  /**
   * The clock is more than a candle behind the stored schedule (another clock: a replay after a live run, a
   * restarted recording): the schedule starts again from `now` instead of waiting for a boundary that a
   * recorded clock may never reach.
   */
  onRebased?(userId: number, info: { storedBoundary: number; now: number }): void;
  /** A schedule that follows KLINE_INTERVAL was stored under another interval and now runs on `to`. */
  onRetimed?(userId: number, info: { from: Interval; to: Interval }): void;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface SchedulerDeps {
  readonly clock: Clock;
  readonly engine: CycleRunner;
  /** The user's symbols to trade now (active ones). Read at every tick so API changes apply at the next close. */
  readonly symbols: (userId: number) => Promise<readonly string[]>;
  readonly state: ScheduleStateStore;
  readonly hooks?: SchedulerHooks;
  /** Wait after each candle close, ms (default 2000). */
  readonly closeDelayMs?: number;
  /** Real timers by default; tests leave the loop off and call tick() with a SimClock. */
  readonly timers?: Timers;
  /** KLINE_INTERVAL: schedules whose interval the user did not choose follow it on resume. */
  readonly defaultInterval?: Interval;
  /**
   * Where in its candle a symbol's cycle runs, ms after the UTC close boundary (0 for markets that never close).
   * A daily stock bar closes at 00:00 UTC, when its exchange is shut: its cycle runs inside the next session
   * instead (see `sessionOffsetMs`). Symbols with different offsets tick on separate lanes of one schedule.
   */
  readonly sessionOffset?: (symbol: string, interval: Interval) => number;
}

interface UserSchedule {
  readonly userId: number;
  interval: Interval;
  /** The user named the interval; otherwise it follows `defaultInterval`. */
  intervalChosen: boolean;
  running: boolean;
  startedAt: number | null;
  /** Close boundary (epoch ms, multiple of the interval) whose cycles were last started. */
  lastBoundary: number | null;
  /** The same for symbols that tick off the UTC grid (session markets): offset ms -> last boundary + offset. */
  lanes: Map<number, number | null>;
  lastCycleAt: number | null;
  cyclesRun: number;
  missedTicks: number;
  errors: number;
  lastError: string | null;
  symbols: readonly string[];
}

/**
 * The idempotency key of a scheduled cycle: one per user, symbol, interval and candle, so a retried or
 * re-delivered tick never saves (or fills) twice.
 */
export function cycleKey(userId: number, symbol: string, interval: Interval, candleOpenTime: number): string {
  return `u${userId}:${symbol}:${interval}:${candleOpenTime}`;
}

/** The newest candle close boundary at or before `now - delayMs` (epoch ms, a multiple of the interval). */
export function closeBoundary(now: number, interval: Interval, delayMs = 0): number {
  const ms = intervalMs(interval);
  return Math.floor((now - delayMs) / ms) * ms;
}

/** The newest boundary of a lane running `offset` ms after the UTC close grid, at or before `now - delayMs`. */
export function laneBoundary(now: number, interval: Interval, delayMs: number, offset: number): number {
  return closeBoundary(now - offset, interval, delayMs) + offset;
}

const realTimers: Timers = {
  set: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** setTimeout's ceiling; longer waits are re-armed. */
const MAX_TIMER_MS = 2_147_000_000;

/**
 * The embedded (one-process) scheduler: for every user with monitoring on, it runs a cycle of each of the
 * user's symbols once per candle of the user's interval, `closeDelayMs` after the close. A symbol whose
 * previous cycle is still running skips the tick; ticks that passed while the process was busy or down are
 * counted as missed, never run late in a burst. The schedule and counters live in agent_state, so a restart
 * resumes them. Time comes only from the Clock: tests drive `tick(now)` with a SimClock.
 */
export class Scheduler implements MonitoringControl {
  private readonly users = new Map<number, UserSchedule>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly delayMs: number;
  private readonly timers: Timers;
  private timer: unknown = null;
  private looping = false;
  private closing = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.delayMs = deps.closeDelayMs ?? DEFAULT_CLOSE_DELAY_MS;
    this.timers = deps.timers ?? realTimers;
  }

  /** Loads every persisted schedule (running or not); running ones tick again from their next close. */
  async resume(): Promise<number> {
    let running = 0;
    for (const row of await this.deps.state.all()) {
      if (row.name !== SCHEDULE_AGENT) continue;
      const s = fromStored(row);
      if (!s) continue;
      this.followDefaultInterval(s);
      this.users.set(s.userId, s);
      if (s.running) running++;
    }
    this.arm();
    return running;
  }

  /** Starts the timer loop (production); without it nothing runs until tick() is called. */
  startLoop(): void {
    this.looping = true;
    this.arm();
  }

  async start(userId: number, requested: Interval, options: { readonly chosen?: boolean } = {}): Promise<MonitoringStatus> {
    const s = await this.load(userId, requested);
    const chosen = options.chosen ?? false;
    // A start without a named interval keeps the one the user chose earlier.
    const interval = !chosen && s.intervalChosen ? s.interval : requested;
    s.intervalChosen = chosen || s.intervalChosen;
    if (!s.running || s.interval !== interval) {
      if (s.interval !== interval) {
        s.lastBoundary = null;
        s.lanes.clear();
      }
      s.interval = interval;
      s.running = true;
      s.startedAt = this.deps.clock.now();
    }
    await this.persist(s);
    this.arm();
    return this.view(s);
  }

  async stop(userId: number): Promise<MonitoringStatus> {
    const s = await this.load(userId);
    if (s.running) {
      s.running = false;
      await this.persist(s);
    }
    return this.view(s);
  }

  async status(userId: number): Promise<MonitoringStatus> {
    return this.view(await this.load(userId));
  }

  /** Cycles running now. */
  get running(): number {
    return this.inFlight.size;
  }

  /**
   * Starts the cycles due at `now` and resolves when those cycles have finished (their outcome is in the
   * status counters). Safe to call at any time: a boundary already handled is not run again.
   */
  async tick(now: number = this.deps.clock.now()): Promise<void> {
    if (this.closing) return;
    const due: { s: UserSchedule; boundary: number; symbols: readonly string[] }[] = [];
    const toPersist = new Set<UserSchedule>();
    for (const s of this.users.values()) {
      if (!s.running) continue;
      const lanes = await this.symbolLanes(s, now);
      // Boundaries are claimed synchronously after the reads, so an overlapping tick cannot claim them twice.
      for (const [offset, symbols] of lanes) {
        const boundary = this.claim(s, offset, now);
        if (boundary === null) continue;
        toPersist.add(s);
        if (symbols.length > 0) due.push({ s, boundary, symbols });
      }
    }
    this.arm();
    const runs: Promise<void>[] = [];
    for (const { s, boundary, symbols } of due) {
      // The candle the cycle trades is the one that closed at the UTC boundary at or before this tick.
      const openTime = closeBoundary(boundary, s.interval) - intervalMs(s.interval);
      for (const symbol of symbols) {
        const slot = `${s.userId}:${symbol}`;
        if (this.inFlight.has(slot)) {
          s.missedTicks++;
          this.deps.hooks?.onMissed?.(s.userId, 1);
          continue;
        }
        const run = this.runOne(s, symbol, openTime).finally(() => this.inFlight.delete(slot));
        this.inFlight.set(slot, run);
        runs.push(run);
      }
    }
    await Promise.all(runs);
    for (const s of toPersist) await this.persist(s).catch(() => {});
  }

  /**
   * The user's symbols grouped by session offset (lane 0 always present, so a schedule with no symbol still
   * keeps its grid); every known lane with no symbol when the list cannot be read (counted as an error).
   */
  private async symbolLanes(s: UserSchedule, now: number): Promise<Map<number, string[]>> {
    const lanes = new Map<number, string[]>([[0, []]]);
    // Nothing to read when no lane is due: ticks run on every replay step and every re-armed timer.
    if (!this.anyLaneDue(s, now)) return new Map();
    try {
      s.symbols = await this.deps.symbols(s.userId);
      for (const symbol of s.symbols) {
        const offset = this.deps.sessionOffset?.(symbol, s.interval) ?? 0;
        const lane = lanes.get(offset) ?? [];
        lane.push(symbol);
        lanes.set(offset, lane);
      }
    } catch (error) {
      s.errors++;
      s.lastError = describe(error);
      // The candle is claimed with nothing run, so a failing read is retried at the next close, not in a loop.
      return new Map([[0, []], ...[...s.lanes.keys()].map((offset): [number, string[]] => [offset, []])]);
    }
    for (const offset of lanes.keys()) if (offset !== 0 && !s.lanes.has(offset)) s.lanes.set(offset, null);
    return lanes;
  }

  private anyLaneDue(s: UserSchedule, now: number): boolean {
    if (s.lastBoundary === null || closeBoundary(now, s.interval, this.delayMs) !== s.lastBoundary) return true;
    for (const [offset, last] of s.lanes) if (last === null || laneBoundary(now, s.interval, this.delayMs, offset) !== last) return true;
    return false;
  }

  /** Claims the lane's boundary at `now`: returns it when its cycles are due, else null (already run). */
  private claim(s: UserSchedule, offset: number, now: number): number | null {
    const ms = intervalMs(s.interval);
    const boundary = laneBoundary(now, s.interval, this.delayMs, offset);
    let last = offset === 0 ? s.lastBoundary : (s.lanes.get(offset) ?? null);
    if (last !== null && boundary < last - ms) {
      this.deps.hooks?.onRebased?.(s.userId, { storedBoundary: last, now });
      last = null;
    }
    if (last !== null && boundary <= last) return null;
    if (last !== null && boundary - last > ms) {
      const missed = Math.round((boundary - last) / ms) - 1;
      s.missedTicks += missed;
      this.deps.hooks?.onMissed?.(s.userId, missed);
    }
    if (offset === 0) s.lastBoundary = boundary;
    else s.lanes.set(offset, boundary);
    return boundary;
  }

  /** Stops ticking, waits for running cycles to finish, and saves every schedule. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    this.looping = false;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight.values()]);
    for (const s of this.users.values()) await this.persist(s).catch(() => {});
  }

  private async runOne(s: UserSchedule, symbol: string, openTime: number): Promise<void> {
    const key = cycleKey(s.userId, symbol, s.interval, openTime);
    const hooks = this.deps.hooks;
    try {
      const outcome = await this.deps.engine.runCycle(symbol, { userId: s.userId, idempotencyKey: key });
      s.cyclesRun++;
      s.lastCycleAt = this.deps.clock.now();
      hooks?.onCycle?.('ok', { userId: s.userId, symbol, key, cycleId: outcome.cycleId });
    } catch (error) {
      if (isConclaveError(error, 'CONFLICT')) {
        hooks?.onCycle?.('duplicate', { userId: s.userId, symbol, key, code: error.code, message: error.message });
        return;
      }
      if (isConclaveError(error, 'MARKET_CLOSED')) {
        hooks?.onCycle?.('market_closed', { userId: s.userId, symbol, key, code: error.code, message: error.message });
        return;
      }
      s.errors++;
      s.lastError = describe(error);
      hooks?.onCycle?.('error', {
        userId: s.userId,
        symbol,
        key,
        code: isConclaveError(error) ? error.code : 'INTERNAL_ERROR',
        message: (error as Error)?.message ?? String(error),
      });
    }
  }

  private nextDue(): number | null {
    let next: number | null = null;
    for (const s of this.users.values()) {
      if (!s.running) continue;
      const ms = intervalMs(s.interval);
      for (const last of [s.lastBoundary, ...s.lanes.values()]) {
        const due = last === null ? this.deps.clock.now() : last + ms + this.delayMs;
        next = next === null ? due : Math.min(next, due);
      }
    }
    return next;
  }

  private arm(): void {
    if (!this.looping || this.closing) return;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    const due = this.nextDue();
    if (due === null) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, due - this.deps.clock.now()));
    this.timer = this.timers.set(() => {
      this.timer = null;
      // tick() re-arms itself once it has claimed the due boundaries.
      if (this.deps.clock.now() >= due) void this.tick();
      else this.arm();
    }, wait);
  }

  /** Re-times a schedule the user did not time to KLINE_INTERVAL (its boundaries restart on the new grid). */
  private followDefaultInterval(s: UserSchedule): void {
    const to = this.deps.defaultInterval;
    if (!to || s.intervalChosen || s.interval === to) return;
    this.deps.hooks?.onRetimed?.(s.userId, { from: s.interval, to });
    s.interval = to;
    s.lastBoundary = null;
    s.lanes.clear();
  }

  private async load(userId: number, interval?: Interval): Promise<UserSchedule> {
    const known = this.users.get(userId);
    if (known) return known;
    const row = await this.deps.state.get(userId, SCHEDULE_AGENT);
    const stored = row && fromStored(row);
    if (stored) this.followDefaultInterval(stored);
    const s = stored ?? fresh(userId, interval ?? this.deps.defaultInterval ?? '1m');
    this.users.set(userId, s);
    return s;
  }

  private async persist(s: UserSchedule): Promise<void> {
    await this.deps.state.put({
      userId: s.userId,
      name: SCHEDULE_AGENT,
      status: s.running ? 'running' : 'stopped',
      config: {
        interval: s.interval,
        intervalChosen: s.intervalChosen,
        startedAt: s.startedAt,
        lastBoundary: s.lastBoundary,
        sessionLanes: Object.fromEntries(s.lanes),
        lastCycleAt: s.lastCycleAt,
        cyclesRun: s.cyclesRun,
        missedTicks: s.missedTicks,
        errors: s.errors,
        symbols: s.symbols,
      },
      lastRunAt: s.lastCycleAt,
      lastError: s.lastError,
      updatedAt: this.deps.clock.now(),
    });
  }

  private view(s: UserSchedule): MonitoringStatus {
    return {
      userId: s.userId,
      running: s.running,
      interval: s.interval,
      symbols: s.symbols,
      startedAt: s.startedAt,
      lastCycleAt: s.lastCycleAt,
      cyclesRun: s.cyclesRun,
      missedTicks: s.missedTicks,
      errors: s.errors,
      lastError: s.lastError,
    };
  }
}

function fresh(userId: number, interval: Interval): UserSchedule {
  return {
    userId,
    interval,
    intervalChosen: false,
    running: false,
    startedAt: null,
    lastBoundary: null,
    lanes: new Map(),
    lastCycleAt: null,
    cyclesRun: 0,
    missedTicks: 0,
    errors: 0,
    lastError: null,
    symbols: [],
  };
}

function fromStored(row: StoredSchedule): UserSchedule | null {
  const c = row.config;
  const interval = typeof c.interval === 'string' && isInterval(c.interval) ? c.interval : null;
  if (!interval) return null;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    userId: row.userId,
    interval,
    intervalChosen: c.intervalChosen === true,
    running: row.status === 'running',
    startedAt: num(c.startedAt),
    lastBoundary: num(c.lastBoundary),
    lanes: storedLanes(c.sessionLanes),
    lastCycleAt: num(c.lastCycleAt),
    cyclesRun: num(c.cyclesRun) ?? 0,
    missedTicks: num(c.missedTicks) ?? 0,
    errors: num(c.errors) ?? 0,
    lastError: row.lastError,
    symbols: Array.isArray(c.symbols) ? c.symbols.filter((x): x is string => typeof x === 'string') : [],
  };
}

function storedLanes(value: unknown): Map<number, number | null> {
  const lanes = new Map<number, number | null>();
  if (!value || typeof value !== 'object') return lanes;
  for (const [key, last] of Object.entries(value)) {
    const offset = Number(key);
    if (!Number.isFinite(offset) || offset === 0) continue;
    lanes.set(offset, typeof last === 'number' && Number.isFinite(last) ? last : null);
  }
  return lanes;
}

function describe(error: unknown): string {
  return isConclaveError(error) ? `${error.code}: ${error.message}` : ((error as Error)?.message ?? String(error));
}

/**
 * The symbols a user trades on schedule: the active ones of their list; the local user with an empty list
 * trades DEFAULT_SYMBOL, so `npm start` alone trades.
 */
export function scheduledSymbols(
  symbols: { list(userId: number): Promise<readonly { symbol: string; active: boolean }[]> },
  fallback: { userId: number; symbol: string },
): (userId: number) => Promise<readonly string[]> {
  return async (userId) => {
    const list = await symbols.list(userId);
    if (list.length === 0 && userId === fallback.userId) return [fallback.symbol];
    return list.filter((s) => s.active).map((s) => s.symbol);
  };
}
