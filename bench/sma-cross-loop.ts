/**
 * The yardstick of issue 13: the sma-cross rules of `conclave backtest --strategy sma-cross` (pipeline protocol,
 * default config table) written as one plain loop over the candle columns of one symbol, with no agents, bus,
 * messages, book lease or store. It must give the kernel's fills, denials and equity curve exactly (checked by
 * bench/backtest-bench.ts on every run and by tests/integration/sma-cross-loop.test.ts), so the time the kernel
 * takes beyond it is overhead, not rules.
 *
 * Rules it mirrors, in the kernel's order each cycle (one cycle per candle close, from `start`):
 * 1. next-open fill of the order accepted on the previous candle (ExecutionAgent.fillAtOpen: a SELL with the
 *    position gone is NO_POSITION, a BUY the cash no longer covers is INSUFFICIENT_CASH), then the position's
 *    ATR stop-loss / take-profit inside this candle (risk/stops.ts checkStops, filled at the candle's open time);
 * 2. the window: the newest KLINE_LIMIT candles, cut after a hole (market-monitor contiguousTail);
 * 3. the governor (risk/governor.ts nextGovernorRecord: UTC day roll, peak, daily loss, drawdown, REDUCING) on the
 *    equity at this close;
 * 4. SMA(fast) vs SMA(slow) of the window (strategies/sma-cross.ts: each mean summed oldest first);
 * 5. the risk manager: HALTED denies; a BUY while long is HOLD (MAX_ENTRIES_PER_POSITION 1 only); a SELL while
 *    flat is NO_POSITION (long-only); a BUY is sized at ORDER_FRACTION of equity (fixed sizing only) capped by
 *    the cash after slippage and fee, rounded down to QUANTITY_STEP, with ATR stop and take-profit levels (Wilder
 *    ATR over the newest 5 * ATR_PERIOD window candles, risk-manager lastAtr); then the governor's rule: REDUCING,
 *    MAX_EXPOSURE, MAX_POSITION_PER_SYMBOL, MAX_ORDERS_PER_MINUTE.
 * Not mirrored (the loop refuses configs that need them): ALLOW_SHORT, SIZING_MODE=risk, MAX_ENTRIES_PER_POSITION
 * above 1, several symbols. The risk manager's second stop check on the snapshot is skipped: it looks at the same
 * candle and book the execution agent just checked, so it can never fill.
 */
import type { AppConfig } from '../src/config.js';
import { intervalMs } from '../src/domain/candle.js';
import { roundDownToStep } from '../src/domain/money.js';
import type { CandleColumns } from '../src/market/csv-candles.js';

export interface LoopFill {
  readonly side: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly price: number;
  readonly executionPrice: number;
  readonly fee: number;
  readonly time: number;
}

export interface LoopResult {
  readonly cycles: number;
  readonly fills: readonly LoopFill[];
  /** Denied orders by reason code. */
  readonly denials: Readonly<Record<string, number>>;
  /** Equity after each cycle (one per candle from `start`). */
  readonly equity: Float64Array;
  /** An order accepted on the last candle, with no later candle to fill at. */
  readonly unfilledAtEnd: number;
}

export interface LoopOptions {
  readonly fast?: number;
  readonly slow?: number;
  /** First and last (inclusive) candle index that runs a cycle; earlier candles are history for the window. */
  readonly start: number;
  readonly end?: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const EPS = 1e-9;
const DUST = 1e-12;
const ACTIVE = 0;
const REDUCING = 1;
const HALTED = 2;

/**
 * Runs the rules over `cols[start..end]`.
 * @throws Error for a config the loop does not mirror (see the module comment).
 */
export function smaCrossLoop(cols: CandleColumns, config: AppConfig, options: LoopOptions): LoopResult {
  if (config.ALLOW_SHORT || config.SIZING_MODE !== 'fixed' || config.MAX_ENTRIES_PER_POSITION !== 1) {
    throw new Error('smaCrossLoop mirrors long-only fixed sizing with MAX_ENTRIES_PER_POSITION=1 only');
  }
  const fast = options.fast ?? 10;
  const slow = options.slow ?? 50;
  const limit = Math.max(config.KLINE_LIMIT, slow + 1);
  const step = intervalMs(config.KLINE_INTERVAL);
  const slip = config.SLIPPAGE_BPS / 10_000;
  const feeRate = config.FEE_BPS / 10_000;
  const atrPeriod = config.ATR_PERIOD;
  const { openTime, open, high, low, close, closeTime } = cols;
  const end = Math.min(options.end ?? cols.length - 1, cols.length - 1);
  const start = options.start;
  const equityOut = new Float64Array(Math.max(0, end - start + 1));
  const fills: LoopFill[] = [];
  const denials: Record<string, number> = {};
  const deny = (code: string) => {
    denials[code] = (denials[code] ?? 0) + 1;
  };

  // Book (one symbol, long-only).
  let cash = config.STARTING_CAPITAL;
  let qty = 0;
  let avg = 0;
  let stopLoss = Number.NaN;
  let takeProfit = Number.NaN;
  // Pending next-open order (at most one: one decision per cycle, filled on the next candle).
  let pendingSide = 0; // 1 BUY, -1 SELL, 0 none
  let pendingQty = 0;
  let pendingSl = Number.NaN;
  let pendingTp = Number.NaN;
  let pendingDecidedAt = 0;
  // Governor.
  let gState = -1; // -1: no record yet
  let gHaltDaily = false;
  let gDay = 0;
  let gDayStart = 0;
  let gPeak = 0;
  const approvals: number[] = [];
  // Start of the current run of contiguous candles (a hole restarts the window).
  let runStart = 0;
  for (let j = Math.max(1, start - limit); j <= start; j++) if (openTime[j] - openTime[j - 1] !== step) runStart = j;

  const fill = (side: 1 | -1, quantity: number, price: number, time: number) => {
    const executionPrice = side === 1 ? price * (1 + slip) : price * (1 - slip);
    const fee = quantity * executionPrice * feeRate;
    const notional = quantity * executionPrice;
    cash = Math.max(0, cash + (side === 1 ? -notional : notional) - fee);
    if (side === 1) {
      avg = (avg * Math.abs(qty) + executionPrice * quantity) / Math.abs(qty + quantity);
      qty += quantity;
    } else {
      qty -= Math.min(quantity, qty);
      if (Math.abs(qty) <= DUST) {
        qty = 0;
        avg = 0;
        stopLoss = Number.NaN;
        takeProfit = Number.NaN;
      }
    }
    fills.push({ side: side === 1 ? 'BUY' : 'SELL', quantity, price, executionPrice, fee, time });
  };

  for (let i = start; i <= end; i++) {
    const now = closeTime[i];
    if (i > 0 && openTime[i] - openTime[i - 1] !== step) runStart = i;
    // 1. Next-open fill, then stops inside this candle.
    if (pendingSide !== 0 && openTime[i] > pendingDecidedAt) {
      const o = open[i];
      if (pendingSide === -1) {
        if (qty <= 0) deny('NO_POSITION');
        else fill(-1, Math.min(pendingQty, qty), o, openTime[i]);
      } else if (pendingQty > (cash / (o * (1 + slip) * (1 + feeRate))) * (1 + 1e-12)) {
        deny('INSUFFICIENT_CASH');
      } else {
        fill(1, pendingQty, o, openTime[i]);
        if (!Number.isNaN(pendingSl) || !Number.isNaN(pendingTp)) {
          stopLoss = pendingSl;
          takeProfit = pendingTp;
        }
      }
      pendingSide = 0;
    }
    if (qty > 0 && (!Number.isNaN(stopLoss) || !Number.isNaN(takeProfit))) {
      const o = open[i];
      let hit = Number.NaN;
      if (!Number.isNaN(stopLoss) && o <= stopLoss) hit = o;
      else if (!Number.isNaN(takeProfit) && o >= takeProfit) hit = o;
      else if (!Number.isNaN(stopLoss) && low[i] <= stopLoss) hit = stopLoss;
      else if (!Number.isNaN(takeProfit) && high[i] >= takeProfit) hit = takeProfit;
      if (!Number.isNaN(hit)) fill(-1, qty, hit, openTime[i]);
    }
    // 2. Window and mark.
    const from = Math.max(i - limit + 1, runStart);
    const length = i - from + 1;
    const mark = close[i];
    const equity = cash + qty * mark;
    // 3. Governor.
    const day = Math.floor(now / DAY_MS);
    if (gState === -1) {
      gState = ACTIVE;
      gDay = day;
      gDayStart = equity;
      gPeak = equity;
    }
    if (gDay !== day) {
      gDay = day;
      gDayStart = equity;
      if (gState === HALTED && gHaltDaily) {
        gState = ACTIVE;
        gHaltDaily = false;
      }
    }
    if (equity > gPeak) gPeak = equity;
    if (gState !== HALTED) {
      const dailyLoss = gDayStart > 0 ? Math.max(0, (gDayStart - equity) / gDayStart) : 0;
      const drawdown = gPeak > 0 ? Math.max(0, (gPeak - equity) / gPeak) : 0;
      if (drawdown >= config.MAX_DRAWDOWN - EPS) {
        gState = HALTED;
        gHaltDaily = false;
      } else if (dailyLoss >= config.MAX_DAILY_LOSS - EPS) {
        gState = HALTED;
        gHaltDaily = true;
      } else if (
        dailyLoss >= config.RISK_REDUCE_AT * config.MAX_DAILY_LOSS - EPS ||
        drawdown >= config.RISK_REDUCE_AT * config.MAX_DRAWDOWN - EPS
      ) {
        gState = REDUCING;
      } else {
        gState = ACTIVE;
      }
    }
    // 4. Decision.
    let action = 0;
    if (length >= slow) {
      let f = 0;
      for (let k = i - fast + 1; k <= i; k++) f += close[k];
      f /= fast;
      let s = 0;
      for (let k = i - slow + 1; k <= i; k++) s += close[k];
      s /= slow;
      action = f > s ? 1 : f < s ? -1 : 0;
    }
    // 5. Risk manager and the governor's rule.
    if (action !== 0) {
      if (gState === HALTED) deny(gHaltDaily ? 'MAX_DAILY_LOSS' : 'MAX_DRAWDOWN');
      else if (action === 1 && qty > 0) {
        // already long: HOLD
      } else if (action === -1 && qty <= 0) deny('NO_POSITION');
      else {
        let quantity: number;
        let sl = Number.NaN;
        let tp = Number.NaN;
        if (action === -1) quantity = qty;
        else {
          const atr = windowAtr(high, low, close, Math.max(from, i + 1 - 5 * atrPeriod), i, atrPeriod, length);
          if (atr !== null && atr > 0 && config.ATR_STOP_MULT > 0) {
            const distance = config.ATR_STOP_MULT * atr;
            tp = config.TAKE_PROFIT_R > 0 ? mark + distance * config.TAKE_PROFIT_R : Number.NaN;
            sl = mark - distance;
            if (sl <= 0) sl = Number.NaN;
          }
          const target = (equity * config.ORDER_FRACTION) / mark;
          const affordable = cash / (mark * (1 + slip) * (1 + feeRate));
          quantity = roundDownToStep(Math.min(target, affordable), config.QUANTITY_STEP);
        }
        if (!(quantity > 0)) deny('INSUFFICIENT_CASH');
        else if (action === 1 && gState === REDUCING) deny('RISK_REDUCING');
        else if (action === 1 && !(equity > 0)) deny('MAX_EXPOSURE');
        else if (action === 1 && Math.abs(quantity * mark) / equity > config.MAX_EXPOSURE + EPS) deny('MAX_EXPOSURE');
        else if (action === 1 && Math.abs(quantity * mark) / equity > config.MAX_POSITION_PER_SYMBOL + EPS) deny('MAX_POSITION');
        else {
          let recent = 0;
          for (let k = approvals.length - 1; k >= 0 && approvals[k] > now - MINUTE_MS; k--) recent++;
          if (recent >= config.MAX_ORDERS_PER_MINUTE) deny('ORDER_RATE');
          else {
            approvals.push(now);
            if (approvals.length > 4 * config.MAX_ORDERS_PER_MINUTE) approvals.splice(0, approvals.length - config.MAX_ORDERS_PER_MINUTE);
            pendingSide = action;
            pendingQty = quantity;
            pendingSl = sl;
            pendingTp = tp;
            pendingDecidedAt = now;
          }
        }
      }
    }
    equityOut[i - start] = cash + qty * mark;
  }
  return { cycles: equityOut.length, fills, denials, equity: equityOut, unfilledAtEnd: pendingSide !== 0 ? 1 : 0 };
}

/** Wilder ATR over candles [from, to] (risk-manager lastAtr): null when the window holds fewer than period + 1. */
function windowAtr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  from: number,
  to: number,
  period: number,
  windowLength: number,
): number | null {
  if (windowLength < period + 1) return null;
  let atr = 0;
  let seen = 0;
  for (let k = from; k <= to; k++) {
    const tr =
      k === from ? high[k] - low[k] : Math.max(high[k] - low[k], Math.abs(high[k] - close[k - 1]), Math.abs(low[k] - close[k - 1]));
    if (seen < period) {
      atr += tr;
      seen++;
      if (seen === period) atr /= period;
    } else atr = (atr * (period - 1) + tr) / period;
  }
  return atr;
}

/** What the comparison reads of a kernel backtest (BacktestResult satisfies it). */
export interface KernelRun {
  readonly cycles: number;
  readonly fills: readonly LoopFill[];
  readonly events: { readonly denials: Readonly<Partial<Record<string, number>>> };
  readonly equity: readonly { readonly equity: number }[];
  readonly unfilledAtEnd: number;
}

/**
 * Where the loop and the kernel differ (empty when they agree): every fill field but the order id, denials by
 * reason code, equity after every cycle (bit for bit), the order left unfilled at the end.
 */
export function loopMismatches(kernel: KernelRun, loop: LoopResult): string[] {
  const out: string[] = [];
  if (kernel.cycles !== loop.cycles) out.push(`cycles: kernel ${kernel.cycles}, loop ${loop.cycles}`);
  const n = Math.max(kernel.fills.length, loop.fills.length);
  for (let i = 0; i < n && out.length < 5; i++) {
    const k = kernel.fills[i];
    const l = loop.fills[i];
    const pick = (f: LoopFill | undefined) => (f ? JSON.stringify([f.side, f.quantity, f.price, f.executionPrice, f.fee, f.time]) : 'none');
    if (pick(k) !== pick(l)) out.push(`fill ${i}: kernel ${pick(k)}, loop ${pick(l)}`);
  }
  const codes = new Set([...Object.keys(kernel.events.denials), ...Object.keys(loop.denials)]);
  for (const code of codes) {
    if ((kernel.events.denials[code] ?? 0) !== (loop.denials[code] ?? 0)) {
      out.push(`denials ${code}: kernel ${kernel.events.denials[code] ?? 0}, loop ${loop.denials[code] ?? 0}`);
    }
  }
  let firstDiff = -1;
  for (let i = 0; i < Math.min(kernel.equity.length, loop.equity.length); i++) {
    if (!Object.is(kernel.equity[i].equity, loop.equity[i])) {
      firstDiff = i;
      break;
    }
  }
  if (firstDiff >= 0) out.push(`equity ${firstDiff}: kernel ${kernel.equity[firstDiff].equity}, loop ${loop.equity[firstDiff]}`);
  if (kernel.unfilledAtEnd !== loop.unfilledAtEnd) out.push(`unfilled at end: kernel ${kernel.unfilledAtEnd}, loop ${loop.unfilledAtEnd}`);
  return out;
}
