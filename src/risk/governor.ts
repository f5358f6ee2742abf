import type { Clock } from '../domain/clock.js';
import { haltCodeOf } from '../domain/denials.js';
import type { Portfolio } from '../execution/portfolio.js';
import type { RiskDenial, RiskInput, RiskRule } from './rules.js';

export const RISK_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
export type RiskState = (typeof RISK_STATES)[number];

/** Limits of the governor; fractions of equity unless named otherwise. */
export interface RiskLimits {
  /** Halt when equity is this fraction below the UTC day's starting equity. */
  readonly maxDailyLoss: number;
  /** Halt when equity is this fraction below its peak. */
  readonly maxDrawdown: number;
  /** REDUCING from this fraction of either loss limit on (0.5 = half way to the halt). */
  readonly reduceAt: number;
  /** Gross exposure after an order, as a fraction of equity. */
  readonly maxExposure: number;
  /** One symbol's position value after an order, as a fraction of equity. */
  readonly maxPositionPerSymbol: number;
  /** Orders approved per account in any 60 s of clock time. */
  readonly maxOrdersPerMinute: number;
}

/** The persisted governor state of one account (the store's risk_state row). */
export interface GovernorRecord {
  readonly userId: number;
  readonly state: RiskState;
  /** `CODE: sentence` of the last REDUCING/HALTED transition, null when ACTIVE. */
  readonly reason: string | null;
  readonly haltedAt: number | null;
  /** UTC day (YYYY-MM-DD) the daily-loss baseline belongs to. */
  readonly day: string;
  readonly dayStartEquity: number;
  readonly peakEquity: number;
  readonly updatedAt: number;
}

/** Where the governor keeps its state so a halt survives a restart (the store's RiskStateRepository). */
export interface GovernorStatePort {
  get(userId: number): Promise<GovernorRecord | null>;
  put(state: GovernorRecord): Promise<void>;
}

export interface Transition {
  readonly from: RiskState;
  readonly to: RiskState;
  readonly reasonCode: string;
  readonly reason: string;
}

/** What the API and the agents read: the state plus today's figures. */
export interface GovernorView extends GovernorRecord {
  readonly reasonCode: string | null;
  readonly equity: number;
  /** equity - dayStartEquity (quote units; negative is a loss). */
  readonly dailyPnl: number;
  /** Loss since the day start as a fraction of it (0 when up). */
  readonly dailyLoss: number;
  /** Fall from the peak as a fraction of it. */
  readonly drawdown: number;
  readonly limits: RiskLimits;
}

/** Reason codes of the governor, stable API surface (shown as `REJECTED` with `CODE: text`). */
export const GOVERNOR_CODES = {
  maxDailyLoss: 'MAX_DAILY_LOSS',
  maxDrawdown: 'MAX_DRAWDOWN',
  manual: 'MANUAL_HALT',
  reducing: 'RISK_REDUCING',
  maxExposure: 'MAX_EXPOSURE',
  maxPosition: 'MAX_POSITION',
  orderRate: 'ORDER_RATE',
} as const;

const MINUTE_MS = 60_000;
const EPS = 1e-9;

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DD` of `time` in UTC, formatted once per day (the governor checks it several times a cycle). */
export function utcDay(time: number): string {
  const day = Math.floor(time / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  return cachedDate;
}

/** `MAX_DAILY_LOSS: ...` -> `MAX_DAILY_LOSS`. */
export function reasonCodeOf(reason: string | null): string | null {
  if (!reason) return null;
  const i = reason.indexOf(':');
  return i > 0 ? reason.slice(0, i) : reason;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/**
 * The governor's state machine, pure: given the previous record (or none), the account's equity now and
 * the clock time, the next record and the transition it made (if any).
 *
 * - A new UTC day re-bases the daily loss at the current equity and lifts a MAX_DAILY_LOSS halt.
 * - HALTED stays HALTED (MAX_DRAWDOWN and MANUAL_HALT wait for an operator's resume).
 * - Otherwise: drawdown >= maxDrawdown -> HALTED (MAX_DRAWDOWN); daily loss >= maxDailyLoss -> HALTED
 *   (MAX_DAILY_LOSS); either beyond `reduceAt` of its limit -> REDUCING; else ACTIVE.
 */
export function nextGovernorRecord(
  prev: GovernorRecord | null,
  userId: number,
  equity: number,
  now: number,
  limits: RiskLimits,
): { record: GovernorRecord; transition: Transition | null } {
  const today = utcDay(now);
  let r: GovernorRecord = prev ?? {
    userId,
    state: 'ACTIVE',
    reason: null,
    haltedAt: null,
    day: today,
    dayStartEquity: equity,
    peakEquity: equity,
    updatedAt: now,
  };
  const from = r.state;
  let transition: Transition | null = null;
  if (r.day !== today) {
    r = { ...r, day: today, dayStartEquity: equity };
    if (r.state === 'HALTED' && reasonCodeOf(r.reason) === GOVERNOR_CODES.maxDailyLoss) {
      const reason = `DAY_ROLLED: new UTC day ${today}; the daily loss limit starts over at equity ${equity.toFixed(2)}`;
      r = { ...r, state: 'ACTIVE', reason: null, haltedAt: null };
      transition = { from, to: 'ACTIVE', reasonCode: 'DAY_ROLLED', reason };
    }
  }
  if (equity > r.peakEquity) r = { ...r, peakEquity: equity };
  const dailyLoss = dailyLossOf(r, equity);
  const drawdown = drawdownOf(r, equity);
  if (r.state !== 'HALTED') {
    let next: { state: RiskState; reason: string | null };
    if (drawdown >= limits.maxDrawdown - EPS) {
      next = {
        state: 'HALTED',
        reason: `${GOVERNOR_CODES.maxDrawdown}: equity ${equity.toFixed(2)} is ${pct(drawdown)} below the peak ${r.peakEquity.toFixed(2)} (limit ${pct(limits.maxDrawdown)}); trading halted until an operator resumes`,
      };
    } else if (dailyLoss >= limits.maxDailyLoss - EPS) {
      next = {
        state: 'HALTED',
        reason: `${GOVERNOR_CODES.maxDailyLoss}: equity ${equity.toFixed(2)} is ${pct(dailyLoss)} below the day start ${r.dayStartEquity.toFixed(2)} (limit ${pct(limits.maxDailyLoss)}); trading halted until the UTC day rolls or an operator resumes`,
      };
    } else if (dailyLoss >= limits.reduceAt * limits.maxDailyLoss - EPS || drawdown >= limits.reduceAt * limits.maxDrawdown - EPS) {
      next = {
        state: 'REDUCING',
        reason: `${GOVERNOR_CODES.reducing}: daily loss ${pct(dailyLoss)} (limit ${pct(limits.maxDailyLoss)}), drawdown ${pct(drawdown)} (limit ${pct(limits.maxDrawdown)}); only orders that shrink a position pass`,
      };
    } else {
      next = { state: 'ACTIVE', reason: null };
    }
    if (next.state !== r.state) {
      transition = {
        from: r.state,
        to: next.state,
        reasonCode: reasonCodeOf(next.reason) ?? 'RECOVERED',
        reason: next.reason ?? 'RECOVERED: losses back within limits',
      };
    }
    const haltedAt = next.state === 'HALTED' ? now : null;
    // Unchanged (the common case: a cycle that moves no limit) keeps the record itself, so nothing is saved.
    if (next.state !== r.state || next.reason !== r.reason || haltedAt !== r.haltedAt) {
      r = { ...r, state: next.state, reason: next.reason, haltedAt };
    }
  }
  const changed =
    !prev ||
    prev.state !== r.state ||
    prev.day !== r.day ||
    prev.peakEquity !== r.peakEquity ||
    prev.reason !== r.reason ||
    prev.dayStartEquity !== r.dayStartEquity;
  return { record: changed ? { ...r, updatedAt: now } : r, transition };
}

function dailyLossOf(r: GovernorRecord, equity: number): number {
  return r.dayStartEquity > 0 ? Math.max(0, (r.dayStartEquity - equity) / r.dayStartEquity) : 0;
}

function drawdownOf(r: GovernorRecord, equity: number): number {
  return r.peakEquity > 0 ? Math.max(0, (r.peakEquity - equity) / r.peakEquity) : 0;
}

/**
 * The risk governor: account-wide limits in the command path. Its state (ACTIVE / REDUCING / HALTED, the
 * day's baseline and the equity peak) is persisted through `GovernorStatePort` on every change, so a halt
 * survives a restart. Used as a RiskRule (`rule()`), by the risk agent every cycle (`observe`), and by the
 * API (`view`, `halt`, `resume`).
 *
 * The cache assumes one process owns an account's trading; workers sharing PostgreSQL pass `shared: true`
 * to re-read the row on every check.
 */
export class RiskGovernor {
  private readonly cache = new Map<number, GovernorRecord>();
  /** Clock times of approved orders per account, oldest first (order-rate throttle). */
  private readonly approvals = new Map<number, number[]>();
  private readonly lastView = new Map<number, { record: GovernorRecord; equity: number; view: GovernorView }>();

  constructor(
    readonly limits: RiskLimits,
    private readonly port: GovernorStatePort,
    private readonly clock: Clock,
    private readonly options: { readonly shared?: boolean } = {},
  ) {}

  private async load(userId: number): Promise<GovernorRecord | null> {
    if (!this.options.shared) {
      const cached = this.cache.get(userId);
      if (cached) return cached;
    }
    const stored = await this.port.get(userId);
    if (stored) this.cache.set(userId, stored);
    return stored;
  }

  private async save(record: GovernorRecord): Promise<void> {
    await this.port.put(record);
    this.cache.set(record.userId, record);
  }

  /**
   * Moves the account's state for its current equity (day roll, peak, limits) and persists a change.
   * Returns the view and the transition made, if any (the caller emits `TradingHalted` on a halt).
   * @throws ConclaveError STORE_UNAVAILABLE from the port.
   */
  observe(userId: number, equity: number): Promise<{ view: GovernorView; transition: Transition | null }> {
    // The common case, a cached record this equity does not change, needs neither the port nor a save.
    const cached = this.options.shared ? undefined : this.cache.get(userId);
    if (cached) {
      const { record, transition } = nextGovernorRecord(cached, userId, equity, this.clock.now(), this.limits);
      if (record === cached) return Promise.resolve({ view: this.viewOf(userId, record, equity), transition });
    }
    return this.observeStored(userId, equity);
  }

  private async observeStored(userId: number, equity: number): Promise<{ view: GovernorView; transition: Transition | null }> {
    const prev = await this.load(userId);
    const { record, transition } = nextGovernorRecord(prev, userId, equity, this.clock.now(), this.limits);
    if (record !== prev) await this.save(record);
    return { view: this.viewOf(userId, record, equity), transition };
  }

  /** A cycle observes several times at one equity (snapshot, decision, rule): the same record gives the same view. */
  private viewOf(userId: number, record: GovernorRecord, equity: number): GovernorView {
    const last = this.lastView.get(userId);
    if (last && last.record === record && last.equity === equity) return last.view;
    const view = this.toView(record, equity);
    this.lastView.set(userId, { record, equity, view });
    return view;
  }

  /** The state the next check would see, without persisting anything (for read-only views). */
  async view(userId: number, equity: number): Promise<GovernorView> {
    const { record } = nextGovernorRecord(await this.load(userId), userId, equity, this.clock.now(), this.limits);
    return this.toView(record, equity);
  }

  /** Operator halt: every order is denied with MANUAL_HALT until `resume`. */
  async halt(userId: number, equity: number, note: string): Promise<GovernorView> {
    const { record } = nextGovernorRecord(await this.load(userId), userId, equity, this.clock.now(), this.limits);
    const now = this.clock.now();
    const halted: GovernorRecord = {
      ...record,
      state: 'HALTED',
      reason: `${GOVERNOR_CODES.manual}: ${note.trim() || 'halted by an operator'}`,
      haltedAt: now,
      updatedAt: now,
    };
    await this.save(halted);
    return this.toView(halted, equity);
  }

  /**
   * Operator resume: ACTIVE again, with the day's baseline and the peak re-based at the current equity (the
   * operator accepts the loss so far; the limits count from here). Clears the order-rate window.
   */
  async resume(userId: number, equity: number): Promise<GovernorView> {
    const now = this.clock.now();
    const resumed: GovernorRecord = {
      userId,
      state: 'ACTIVE',
      reason: null,
      haltedAt: null,
      day: utcDay(now),
      dayStartEquity: equity,
      peakEquity: equity,
      updatedAt: now,
    };
    await this.save(resumed);
    this.approvals.delete(userId);
    return this.toView(resumed, equity);
  }

  /** The governor as a rule in the command path: state, exposure, per-symbol position, order rate. */
  rule(): RiskRule {
    return { name: 'governor', check: (input) => this.check(input) };
  }

  private async check(input: RiskInput): Promise<RiskDenial | null> {
    const { book, marks, intent, userId, now } = input;
    const equity = book.equity(marks);
    const { view } = await this.observe(userId, equity);
    if (view.state === 'HALTED') {
      return { reasonCode: haltCodeOf(view.reasonCode), reason: view.reason ?? `${GOVERNOR_CODES.manual}: trading halted` };
    }
    const held = book.quantity(intent.symbol);
    const signed = intent.side === 'BUY' ? intent.quantity : -intent.quantity;
    const after = held + signed;
    const reducing = held !== 0 && Math.sign(signed) !== Math.sign(held) && Math.abs(signed) <= Math.abs(held) + EPS;
    if (!reducing) {
      if (view.state === 'REDUCING')
        return { reasonCode: GOVERNOR_CODES.reducing, reason: view.reason ?? `${GOVERNOR_CODES.reducing}: only reducing orders pass` };
      const denial = exposureDenial(book, marks, intent.symbol, intent.referencePrice, after, equity, this.limits);
      if (denial) return denial;
    }
    const window = (this.approvals.get(userId) ?? []).filter((t) => t > now - MINUTE_MS);
    if (window.length >= this.limits.maxOrdersPerMinute) {
      this.approvals.set(userId, window);
      return {
        reasonCode: GOVERNOR_CODES.orderRate,
        reason: `${GOVERNOR_CODES.orderRate}: ${window.length} orders approved in the last 60 s (limit ${this.limits.maxOrdersPerMinute} per minute)`,
      };
    }
    window.push(now);
    this.approvals.set(userId, window);
    return null;
  }

  private toView(r: GovernorRecord, equity: number): GovernorView {
    const dailyLoss = dailyLossOf(r, equity);
    const drawdown = drawdownOf(r, equity);
    return {
      ...r,
      reasonCode: reasonCodeOf(r.reason),
      equity,
      dailyPnl: equity - r.dayStartEquity,
      dailyLoss,
      drawdown,
      limits: this.limits,
    };
  }
}

function exposureDenial(
  book: Portfolio,
  marks: ReadonlyMap<string, number>,
  symbol: string,
  price: number,
  after: number,
  equity: number,
  limits: RiskLimits,
): RiskDenial | null {
  if (!(equity > 0))
    return { reasonCode: GOVERNOR_CODES.maxExposure, reason: `${GOVERNOR_CODES.maxExposure}: equity ${equity.toFixed(2)} is not positive` };
  const mark = marks.get(symbol) ?? price;
  const afterValue = Math.abs(after * mark);
  const gross = book.grossExposure(marks) - Math.abs(book.positionValue(symbol, marks)) + afterValue;
  if (gross / equity > limits.maxExposure + EPS) {
    return {
      reasonCode: GOVERNOR_CODES.maxExposure,
      reason: `${GOVERNOR_CODES.maxExposure}: gross exposure after the order would be ${pct(gross / equity)} of equity (limit ${pct(limits.maxExposure)})`,
    };
  }
  if (afterValue / equity > limits.maxPositionPerSymbol + EPS) {
    return {
      reasonCode: GOVERNOR_CODES.maxPosition,
      reason: `${GOVERNOR_CODES.maxPosition}: ${symbol} position after the order would be ${pct(afterValue / equity)} of equity (limit ${pct(limits.maxPositionPerSymbol)})`,
    };
  }
  return null;
}
