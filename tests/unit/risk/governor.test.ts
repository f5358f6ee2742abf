import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/domain/decision.js';
import type { OrderIntent } from '../../../src/domain/order.js';
import { SimClock } from '../../../src/engine/clock.js';
import { Portfolio } from '../../../src/execution/portfolio.js';
import {
  type GovernorRecord,
  type GovernorStatePort,
  nextGovernorRecord,
  RiskGovernor,
  type RiskLimits,
} from '../../../src/risk/governor.js';
import type { RiskInput } from '../../../src/risk/rules.js';

const LIMITS: RiskLimits = {
  maxDailyLoss: 0.05,
  maxDrawdown: 0.2,
  reduceAt: 0.5,
  maxExposure: 1,
  maxPositionPerSymbol: 0.5,
  maxOrdersPerMinute: 3,
};
const DAY1 = Date.UTC(2024, 0, 10, 12);
const DAY2 = Date.UTC(2024, 0, 11, 0, 5);

class MemoryPort implements GovernorStatePort {
  readonly rows = new Map<number, GovernorRecord>();
  writes = 0;
  async get(userId: number) {
    return this.rows.get(userId) ?? null;
  }
  async put(state: GovernorRecord) {
    this.writes++;
    this.rows.set(state.userId, state);
  }
}

const decision: Decision = {
  symbol: 'BTCUSDT',
  action: 'BUY',
  confidence: 1,
  reason: '',
  modelVersion: 't',
  probabilities: { BUY: 1, SELL: 0, HOLD: 0 },
  strategy: 't',
};

function input(book: Portfolio, side: 'BUY' | 'SELL', quantity: number, price: number, now: number): RiskInput {
  const intent: OrderIntent = { symbol: 'BTCUSDT', side, quantity, referencePrice: price, strategy: 't' };
  return { decision: { ...decision, action: side }, intent, book, marks: new Map([['BTCUSDT', price]]), userId: 1, now };
}

describe('nextGovernorRecord (pure state machine)', () => {
  const start = nextGovernorRecord(null, 1, 10_000, DAY1, LIMITS).record;

  it('starts ACTIVE with the day baseline and peak at the current equity', () => {
    expect(start).toMatchObject({ state: 'ACTIVE', day: '2024-01-10', dayStartEquity: 10_000, peakEquity: 10_000 });
  });
  it('REDUCING at half the daily-loss limit (2.5%), HALTED at the limit (5%)', () => {
    expect(nextGovernorRecord(start, 1, 9_760, DAY1, LIMITS).record.state).toBe('ACTIVE');
    const reducing = nextGovernorRecord(start, 1, 9_750, DAY1, LIMITS);
    expect(reducing.record.state).toBe('REDUCING');
    expect(reducing.transition).toMatchObject({ from: 'ACTIVE', to: 'REDUCING', reasonCode: 'RISK_REDUCING' });
    const halted = nextGovernorRecord(reducing.record, 1, 9_500, DAY1 + 60_000, LIMITS);
    expect(halted.record).toMatchObject({ state: 'HALTED', haltedAt: DAY1 + 60_000 });
    expect(halted.transition).toMatchObject({ to: 'HALTED', reasonCode: 'MAX_DAILY_LOSS' });
    expect(halted.record.reason).toMatch(/^MAX_DAILY_LOSS: equity 9500.00 is 5.00% below the day start 10000.00/);
  });
  it('a daily-loss halt stays on a recovery the same day and lifts when the UTC day rolls', () => {
    const halted = nextGovernorRecord(start, 1, 9_400, DAY1, LIMITS).record;
    expect(nextGovernorRecord(halted, 1, 10_500, DAY1 + 3_600_000, LIMITS).record.state).toBe('HALTED');
    const rolled = nextGovernorRecord(halted, 1, 9_400, DAY2, LIMITS);
    expect(rolled.record).toMatchObject({ state: 'ACTIVE', day: '2024-01-11', dayStartEquity: 9_400, reason: null });
    expect(rolled.transition).toMatchObject({ from: 'HALTED', to: 'ACTIVE', reasonCode: 'DAY_ROLLED' });
  });
  it('drawdown from the peak halts across days and the day roll does not lift it', () => {
    let r = start;
    // up 10% on day 1, then lose 4% a day: each day stays under the daily limit, the drawdown adds up
    r = nextGovernorRecord(r, 1, 11_000, DAY1, LIMITS).record;
    let equity = 11_000;
    let day = DAY2;
    while (r.state !== 'HALTED') {
      equity *= 0.96;
      r = nextGovernorRecord(r, 1, equity, day, LIMITS).record;
      day += 86_400_000;
    }
    expect(r.reason).toMatch(/^MAX_DRAWDOWN:/);
    expect(equity / 11_000).toBeLessThanOrEqual(0.8 + 1e-9);
    expect(nextGovernorRecord(r, 1, equity, day + 86_400_000, LIMITS).record.state).toBe('HALTED');
  });
});

describe('RiskGovernor as a rule', () => {
  it('denies every order with the halt reason once the daily loss is reached; resume re-bases and lifts it', async () => {
    const clock = new SimClock(DAY1);
    const port = new MemoryPort();
    const gov = new RiskGovernor(LIMITS, port, clock);
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    book.apply({ orderId: 'a', symbol: 'BTCUSDT', side: 'BUY', quantity: 0.2, price: 20_000, executionPrice: 20_000, fee: 0, time: DAY1 });
    expect(await gov.rule().check(input(book, 'BUY', 0.01, 20_000, DAY1))).toBeNull();
    // BTC falls 30%: equity 6,000 cash + 0.2 * 14,000 = 8,800 (-12%)
    clock.advance(60_000);
    const denial = await gov.rule().check(input(book, 'SELL', 0.2, 14_000, clock.now()));
    expect(denial?.reasonCode).toBe('MAX_DAILY_LOSS');
    expect(port.rows.get(1)?.state).toBe('HALTED');
    // survives a restart: a new governor over the same port still denies
    const restarted = new RiskGovernor(LIMITS, port, clock);
    expect((await restarted.rule().check(input(book, 'BUY', 0.01, 14_000, clock.now())))?.reasonCode).toBe('MAX_DAILY_LOSS');
    const resumed = await restarted.resume(1, book.equity(new Map([['BTCUSDT', 14_000]])));
    expect(resumed).toMatchObject({ state: 'ACTIVE', dayStartEquity: 8_800, peakEquity: 8_800 });
    expect(await restarted.rule().check(input(book, 'SELL', 0.2, 14_000, clock.now()))).toBeNull();
  });

  it('manual halt denies with MANUAL_HALT and is not lifted by a day roll', async () => {
    const clock = new SimClock(DAY1);
    const gov = new RiskGovernor(LIMITS, new MemoryPort(), clock);
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    await gov.halt(1, 10_000, 'maintenance');
    expect(await gov.rule().check(input(book, 'BUY', 0.01, 20_000, DAY1))).toMatchObject({
      reasonCode: 'MANUAL_HALT',
      reason: 'MANUAL_HALT: maintenance',
    });
    clock.set(DAY2);
    expect((await gov.rule().check(input(book, 'BUY', 0.01, 20_000, DAY2)))?.reasonCode).toBe('MANUAL_HALT');
  });

  it('REDUCING lets a closing SELL through and denies a new BUY', async () => {
    const clock = new SimClock(DAY1);
    const gov = new RiskGovernor(LIMITS, new MemoryPort(), clock);
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    book.apply({ orderId: 'a', symbol: 'BTCUSDT', side: 'BUY', quantity: 0.2, price: 20_000, executionPrice: 20_000, fee: 0, time: DAY1 });
    await gov.observe(1, 10_000);
    // -3% equity: 6,000 + 0.2 * 18,500 = 9,700
    expect((await gov.rule().check(input(book, 'BUY', 0.01, 18_500, DAY1)))?.reasonCode).toBe('RISK_REDUCING');
    expect(await gov.rule().check(input(book, 'SELL', 0.2, 18_500, DAY1))).toBeNull();
  });

  it('max exposure, max position per symbol and the order-rate throttle', async () => {
    const clock = new SimClock(DAY1);
    const gov = new RiskGovernor({ ...LIMITS, maxExposure: 0.8, maxPositionPerSymbol: 0.3 }, new MemoryPort(), clock);
    const book = new Portfolio({ startingCapital: 10_000, allowShort: false });
    // 0.2 BTC at 20,000 = 40% of 10,000 > 30% per symbol
    expect((await gov.rule().check(input(book, 'BUY', 0.2, 20_000, DAY1)))?.reasonCode).toBe('MAX_POSITION');
    book.apply({ orderId: 'e', symbol: 'ETHUSDT', side: 'BUY', quantity: 3, price: 2_000, executionPrice: 2_000, fee: 0, time: DAY1 });
    // 6,000 ETH + 2,800 BTC = 88% gross > 80%
    const marks = new Map([
      ['BTCUSDT', 20_000],
      ['ETHUSDT', 2_000],
    ]);
    const exposure = await gov.rule().check({ ...input(book, 'BUY', 0.14, 20_000, DAY1), marks });
    expect(exposure?.reasonCode).toBe('MAX_EXPOSURE');
    for (let i = 0; i < 3; i++) expect(await gov.rule().check({ ...input(book, 'BUY', 0.01, 20_000, DAY1 + i), marks })).toBeNull();
    expect((await gov.rule().check({ ...input(book, 'BUY', 0.01, 20_000, DAY1 + 10), marks }))?.reasonCode).toBe('ORDER_RATE');
    // a minute later the window has room again
    expect(await gov.rule().check({ ...input(book, 'BUY', 0.01, 20_000, DAY1 + 60_001), marks })).toBeNull();
  });
});
