import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/domain/candle.js';
import { ConclaveError } from '../../../src/domain/errors.js';
import type { Store } from '../../../src/store/db.js';
import { migrationProvider } from '../../../src/store/migrations/index.js';
import { cycleRecord } from './cycle-record.fixture.js';

/**
 * Where a contract run keeps its data. `open` returns a new Store on the SAME database on every call when
 * `shared` is true (file, PostgreSQL schema); a `:memory:` target gives a new empty database each time.
 */
export interface StoreTarget {
  readonly shared: boolean;
  open(): Promise<Store>;
  /** Removes the database (temp file, schema) after every store is closed. */
  dispose(): Promise<void>;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<ConclaveError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConclaveError);
  expect((error as ConclaveError).code).toBe(code);
  return error as ConclaveError;
}

/**
 * The one repository contract, run against every dialect. The database is shared by the tests of one
 * run, so each test works with its own users and symbols and asserts nothing about other tests' rows.
 */
export function storeContract(target: () => StoreTarget): void {
  let t: StoreTarget;
  let store: Store;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const newUser = async () => (await store.users.create({ username: unique('u'), email: `${unique('e')}@x.test`, passwordHash: 'h' })).id;

  beforeAll(async () => {
    t = target();
    store = await t.open();
  });
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  describe('migrations', () => {
    it('creates the loopback user and re-running migrations applies nothing', async () => {
      const local = await store.users.byId(1);
      expect(local).toMatchObject({ id: 1, username: 'local', email: null, passwordHash: '' });
      const again = await new Migrator({ db: store.db, provider: migrationProvider(store.dialect) }).migrateToLatest();
      expect(again.error).toBeUndefined();
      expect(again.results).toEqual([]);
    });

    it('opens a second time on the same database without error', async () => {
      const other = await t.open();
      try {
        expect((await other.health()).ok).toBe(true);
        expect(await other.users.byUsername('local')).not.toBeNull();
      } finally {
        await other.close();
      }
    });
  });

  describe('cycles', () => {
    it('saveCycle writes cycle, messages, snapshot, decision, trade, account, position and equity point', async () => {
      const userId = await newUser();
      const id = await store.cycles.nextCycleId();
      const symbol = unique('SAVE');
      const record = cycleRecord({ cycleId: id, userId, symbol, idempotencyKey: unique('k') });
      await store.cycles.saveCycle(record);

      const cycle = await store.cycles.get(id, userId);
      expect(cycle).toMatchObject({
        id,
        userId,
        symbol,
        protocol: 'pipeline',
        action: 'BUY',
        confidence: 0.625,
        executionStatus: 'FILLED',
        modelVersion: 'rf-test-1',
        idempotencyKey: record.idempotencyKey,
        startedAt: record.startedAt,
        finishedAt: record.finishedAt,
      });
      expect(cycle?.response).toEqual(record.response);

      const messages = await store.cycles.messages(id, userId);
      expect(messages?.map((m) => [m.seq, m.type, m.from, m.to])).toEqual(record.messages.map((m) => [m.seq, m.type, m.from, m.to]));
      expect(messages?.[2]?.payload).toEqual(record.decision);
      expect(messages?.[0]).toEqual(record.messages[0]);

      const snap = await store.snapshots.latest(userId, symbol);
      expect(snap).toMatchObject({
        cycleId: id,
        price: record.snapshot.price,
        indicators: record.snapshot.indicators,
        features: record.snapshot.features,
      });

      const decisions = await store.decisions.list({ userId, limit: 10, offset: 0 });
      expect(decisions.total).toBe(1);
      expect(decisions.items[0]).toMatchObject({
        ...record.decision,
        cycleId: id,
        price: record.snapshot.price,
        createdAt: record.snapshot.observedAt,
      });

      const trades = await store.trades.recent(userId, 10);
      expect(trades).toHaveLength(1);
      const report = record.reports[0]!;
      expect(trades[0]).toMatchObject({
        orderId: report.orderId,
        cycleId: id,
        action: 'BUY',
        status: 'FILLED',
        quantity: report.quantity,
        price: report.price,
        executionPrice: report.executionPrice,
        fee: report.fee,
        timestamp: report.time,
        strategy: 'ml-classifier',
        modelVersion: 'rf-test-1',
      });

      const book = await store.portfolio.loadBook(userId, 10_000);
      const snapshot = record.portfolio!.snapshot;
      expect(book.cash).toBe(snapshot.cash);
      expect(book.feesPaid).toBe(snapshot.feesPaid);
      // The account row was created by saveCycle: starting capital recovered from the equity identity.
      expect(book.startingCapital).toBeCloseTo(10_000, 9);
      expect(book.positions).toEqual([
        {
          symbol,
          quantity: 0.01,
          avgPrice: report.executionPrice,
          stopLoss: null,
          takeProfit: null,
          entries: 1,
          openedAt: report.time,
          updatedAt: report.time,
        },
      ]);
      const curve = await store.portfolio.equityCurve(userId, { limit: 10 });
      expect(curve).toEqual([
        {
          time: snapshot.time,
          cycleId: id,
          cash: snapshot.cash,
          equity: snapshot.equity,
          realizedPnl: 0,
          unrealizedPnl: snapshot.unrealizedPnl,
        },
      ]);
    });

    it('writes no trade for a SKIPPED (HOLD) report and a REJECTED row with its reason for a denial', async () => {
      const userId = await newUser();
      const hold = await store.cycles.nextCycleId();
      const denied = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: hold, userId, status: 'SKIPPED' }));
      await store.cycles.saveCycle(cycleRecord({ cycleId: denied, userId, status: 'REJECTED', orderId: null, time: 1_700_000_060_000 }));
      const trades = await store.trades.recent(userId, 10);
      expect(trades.map((x) => [x.cycleId, x.status, x.action, x.reason, x.executionPrice])).toEqual([
        [denied, 'REJECTED', 'SELL', 'NO_POSITION: nothing to sell', null],
      ]);
      expect(trades[0]?.orderId).toBe(`REJ-${denied}-0`);
      expect((await store.cycles.get(hold, userId))?.executionStatus).toBe('SKIPPED');
      expect(await store.trades.count(userId)).toBe(1);
      expect(await store.trades.count(userId, 'FILLED')).toBe(0);
    });

    it('a PENDING cycle takes the status of its order when a later cycle settles it at the open (own user only)', async () => {
      const userId = await newUser();
      const other = await newUser();
      const placed = await store.cycles.nextCycleId();
      const settling = await store.cycles.nextCycleId();
      const buy = cycleRecord({ cycleId: placed, userId, status: 'SKIPPED' });
      await store.cycles.saveCycle({ ...buy, decisionStatus: 'PENDING', reports: [] });
      expect((await store.cycles.get(placed, userId))?.executionStatus).toBe('PENDING');
      const fill = cycleRecord({ cycleId: settling, userId, status: 'FILLED', orderId: `ORD-T-${placed}-1`, time: 1_700_000_060_000 });
      // Another user's record naming the same cycle must not touch it.
      const stranger = cycleRecord({ cycleId: await store.cycles.nextCycleId(), userId: other, status: 'REJECTED', orderId: null });
      await store.cycles.saveCycle({ ...stranger, reports: stranger.reports.map((r) => ({ ...r, decidedInCycle: placed })) });
      expect((await store.cycles.get(placed, userId))?.executionStatus).toBe('PENDING');
      await store.cycles.saveCycle({
        ...fill,
        decisionStatus: 'SKIPPED',
        reports: fill.reports.map((r) => ({ ...r, decidedInCycle: placed })),
      });
      expect((await store.cycles.get(placed, userId))?.executionStatus).toBe('FILLED');
      expect((await store.cycles.get(settling, userId))?.executionStatus).toBe('SKIPPED');
      // The trade belongs to the decision that placed it: its cycle, model version and strategy.
      expect((await store.trades.recent(userId, 10)).map((t) => [t.cycleId, t.status, t.modelVersion, t.strategy])).toEqual([
        [placed, 'FILLED', buy.modelVersion, buy.decision?.strategy],
      ]);
    });

    it('writes a trade for a stop fill that has no report, with the stop kind as reason', async () => {
      const userId = await newUser();
      const id = await store.cycles.nextCycleId();
      const time = 1_700_000_120_000;
      const stop = {
        orderId: `STP-${id}`,
        symbol: 'BTCUSDT',
        side: 'SELL' as const,
        quantity: 0.5,
        price: 40_000,
        executionPrice: 39_980,
        fee: 20,
        time,
      };
      await store.cycles.saveCycle(cycleRecord({ cycleId: id, userId, status: 'SKIPPED', time, stopFills: [stop] }));
      const trades = await store.trades.byCycle(id, userId);
      expect(trades).toHaveLength(1);
      expect(trades[0]).toMatchObject({
        orderId: `STP-${id}`,
        action: 'SELL',
        status: 'FILLED',
        quantity: 0.5,
        executionPrice: 39_980,
        fee: 20,
        reason: 'STOP_LOSS',
      });
    });

    it('rolls back everything when one insert fails (duplicate order id)', async () => {
      const userId = await newUser();
      const first = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: first, userId, orderId: `DUP-${first}`, symbol: 'SOLUSDT' }));
      const before = {
        book: await store.portfolio.loadBook(userId, 10_000),
        curve: await store.portfolio.equityCurve(userId, { limit: 100 }),
        snap: await store.snapshots.latest(userId, 'SOLUSDT'),
        decisions: await store.decisions.list({ userId, limit: 100, offset: 0 }),
      };
      const second = await store.cycles.nextCycleId();
      const failing = cycleRecord({
        cycleId: second,
        userId,
        orderId: `DUP-${first}`,
        symbol: 'SOLUSDT',
        time: 1_700_000_500_000,
        positions: [{ symbol: 'XRPUSDT', quantity: 3, avgPrice: 0.5 }],
        cash: 1,
      });
      const error = await expectCode(store.cycles.saveCycle(failing), 'CONFLICT');
      expect(error.message).toMatch(/duplicate/);
      expect(await store.cycles.get(second, userId)).toBeNull();
      expect(await store.cycles.messages(second, userId)).toBeNull();
      const orphanMessages = await store.db.selectFrom('messages').select('id').where('cycle_id', '=', second).execute();
      expect(orphanMessages).toEqual([]);
      expect(await store.snapshots.latest(userId, 'SOLUSDT')).toEqual(before.snap);
      expect(await store.decisions.list({ userId, limit: 100, offset: 0 })).toEqual(before.decisions);
      expect(await store.portfolio.loadBook(userId, 10_000)).toEqual(before.book);
      expect(await store.portfolio.equityCurve(userId, { limit: 100 })).toEqual(before.curve);
      expect(await store.trades.count(userId)).toBe(1);
    });

    it('refuses a duplicate idempotency key with CONFLICT and writes nothing', async () => {
      const userId = await newUser();
      const key = unique('BTCUSDT@');
      const a = await store.cycles.nextCycleId();
      const b = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: a, userId, idempotencyKey: key }));
      await expectCode(
        store.cycles.saveCycle(cycleRecord({ cycleId: b, userId, idempotencyKey: key, time: 1_700_000_900_000 })),
        'CONFLICT',
      );
      expect(await store.cycles.get(b, userId)).toBeNull();
      expect(await store.db.selectFrom('messages').select('id').where('cycle_id', '=', b).execute()).toEqual([]);
      expect(await store.trades.count(userId)).toBe(1);
      expect(await store.portfolio.equityCurve(userId, { limit: 10 })).toHaveLength(1);
    });

    it('hands out unique cycle ids to many concurrent callers', async () => {
      const ids = await Promise.all(Array.from({ length: 500 }, () => store.cycles.nextCycleId()));
      expect(new Set(ids).size).toBe(500);
      expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    });

    it('hands out unique cycle ids across two stores on the same database', async (ctx) => {
      if (!t.shared) {
        ctx.skip();
        return;
      }
      const other = await t.open();
      try {
        const calls: Promise<number>[] = [];
        for (let i = 0; i < 400; i++) calls.push((i % 2 === 0 ? store : other).cycles.nextCycleId());
        const ids = await Promise.all(calls);
        expect(new Set(ids).size).toBe(400);
      } finally {
        await other.close();
      }
    });

    it('continues cycle ids without a gap after a clean close, and keeps the gap when another store reserved meanwhile', async (ctx) => {
      if (!t.shared) {
        ctx.skip();
        return;
      }
      const first = await t.open();
      const a = await first.cycles.nextCycleId();
      const b = await first.cycles.nextCycleId();
      await first.close();
      const second = await t.open();
      const c = await second.cycles.nextCycleId();
      expect([a, b, c]).toEqual([a, a + 1, a + 2]);
      // A third store reserves a block while the second still holds the rest of its own.
      const third = await t.open();
      const d = await third.cycles.nextCycleId();
      await second.close();
      await third.close();
      const fourth = await t.open();
      const e = await fourth.cycles.nextCycleId();
      await fourth.close();
      expect(d).toBeGreaterThan(c + 1);
      expect(e).toBe(d + 1);
    });

    it('lists the user cycles newest first with symbol filter and cursor, and counts by status', async () => {
      const userId = await newUser();
      const before = await store.cycles.countByStatus();
      const ids: number[] = [];
      for (const [i, symbol] of ['AAA', 'BBB', 'AAA', 'AAA'].entries()) {
        const id = await store.cycles.nextCycleId();
        ids.push(id);
        await store.cycles.saveCycle(
          cycleRecord({ cycleId: id, userId, symbol, status: i === 1 ? 'SKIPPED' : 'FILLED', time: 1_700_001_000_000 + i }),
        );
      }
      const all = await store.cycles.list({ userId, limit: 10 });
      expect(all.map((c) => c.id)).toEqual([...ids].reverse());
      const aaa = await store.cycles.list({ userId, symbol: 'AAA', limit: 2 });
      expect(aaa.map((c) => c.id)).toEqual([ids[3], ids[2]]);
      const page2 = await store.cycles.list({ userId, symbol: 'AAA', limit: 2, before: ids[2] });
      expect(page2.map((c) => c.id)).toEqual([ids[0]]);
      const after = await store.cycles.countByStatus();
      expect((after.FILLED ?? 0) - (before.FILLED ?? 0)).toBeGreaterThanOrEqual(3);
      expect((after.SKIPPED ?? 0) - (before.SKIPPED ?? 0)).toBeGreaterThanOrEqual(1);
    });

    it('replaces the positions set: absent symbols deleted, kept ones updated with their open time and entries', async () => {
      const userId = await newUser();
      const c1 = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(
        cycleRecord({
          cycleId: c1,
          userId,
          time: 1_000,
          positions: [
            { symbol: 'AAA', quantity: 1, avgPrice: 10 },
            { symbol: 'BBB', quantity: 2, avgPrice: 20, stopLoss: 18, takeProfit: 25 },
          ],
        }),
      );
      const c2 = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(
        cycleRecord({
          cycleId: c2,
          userId,
          time: 2_000,
          positions: [
            { symbol: 'BBB', quantity: 3, avgPrice: 21, entries: 2 },
            { symbol: 'CCC', quantity: 4, avgPrice: 30 },
            { symbol: 'DDD', quantity: 0, avgPrice: 40 },
          ],
        }),
      );
      const positions = await store.portfolio.positions(userId);
      expect(positions).toEqual([
        { symbol: 'BBB', quantity: 3, avgPrice: 21, stopLoss: null, takeProfit: null, entries: 2, openedAt: 1_000, updatedAt: 2_000 },
        { symbol: 'CCC', quantity: 4, avgPrice: 30, stopLoss: null, takeProfit: null, entries: 1, openedAt: 2_000, updatedAt: 2_000 },
      ]);
      const c3 = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: c3, userId, time: 3_000, positions: [] }));
      expect(await store.portfolio.positions(userId)).toEqual([]);
    });
  });

  describe('user isolation', () => {
    it('user B cannot read user A cycle, messages, trades, symbol or backtest', async () => {
      const a = await newUser();
      const b = await newUser();
      const id = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: id, userId: a }));
      expect(await store.cycles.get(id, a)).not.toBeNull();
      expect(await store.cycles.get(id, b)).toBeNull();
      expect(await store.cycles.messages(id, b)).toBeNull();
      expect(await store.cycles.list({ userId: b, limit: 10 })).toEqual([]);
      expect(await store.trades.recent(b, 10)).toEqual([]);
      expect(await store.trades.byCycle(id, b)).toEqual([]);

      const sym = await store.symbols.add(a, { symbol: 'ETHUSDT', venue: 'binance', assetType: 'crypto', interval: '1h' });
      expect(await store.symbols.get(sym.id, b)).toBeNull();
      expect(await store.symbols.remove(sym.id, b)).toBe(false);
      expect(await store.symbols.setActive(sym.id, b, false)).toBeNull();
      expect(await store.symbols.get(sym.id, a)).toEqual(sym);
      // The same symbol is allowed for another user.
      await store.symbols.add(b, { symbol: 'ETHUSDT', venue: 'binance', assetType: 'crypto', interval: '1h' });

      const bt = unique('bt');
      await store.backtests.create({ id: bt, userId: a, params: { symbol: 'BTCUSDT' }, createdAt: 5 });
      expect(await store.backtests.get(bt, b)).toBeNull();
      expect(await store.backtests.list(b)).toEqual([]);
    });
  });

  describe('trades', () => {
    it('returns newest first, ties broken by id, limited', async () => {
      const userId = await newUser();
      const times = [5_000, 7_000, 7_000, 6_000, 9_000];
      const ids: number[] = [];
      for (const time of times) {
        const id = await store.cycles.nextCycleId();
        ids.push(id);
        await store.cycles.saveCycle(cycleRecord({ cycleId: id, userId, time, symbol: time === 6_000 ? 'ETHUSDT' : 'BTCUSDT' }));
      }
      const recent = await store.trades.recent(userId, 3);
      // 9000, then the two 7000 trades with the later-inserted one first.
      expect(recent.map((x) => x.cycleId)).toEqual([ids[4], ids[2], ids[1]]);
      expect((await store.trades.recent(userId, 100)).map((x) => x.timestamp)).toEqual([9_000, 7_000, 7_000, 6_000, 5_000]);
      expect((await store.trades.bySymbol(userId, 'ETHUSDT', 10)).map((x) => x.cycleId)).toEqual([ids[3]]);
      expect(await store.trades.count(userId)).toBe(5);
    });
  });

  describe('types round-trip', () => {
    it('numbers stay numbers (epoch ms and doubles exact), booleans stay booleans, JSON parses', async () => {
      const userId = await newUser();
      const id = await store.cycles.nextCycleId();
      const time = 1_735_689_599_999;
      const price = 0.1 + 0.2;
      await store.cycles.saveCycle(cycleRecord({ cycleId: id, userId, time, price, symbol: 'TYPEUSDT' }));
      const cycle = await store.cycles.get(id, userId);
      expect(typeof cycle?.id).toBe('number');
      expect(cycle?.startedAt).toBe(time);
      expect(typeof cycle?.confidence).toBe('number');
      const [trade] = await store.trades.recent(userId, 1);
      expect(trade?.price).toBe(price);
      expect(trade?.timestamp).toBe(time);
      expect(typeof trade?.id).toBe('number');
      const snap = await store.snapshots.latest(userId, 'TYPEUSDT');
      expect(snap?.observedAt).toBe(time);
      expect(snap?.indicators.sma_50).toBeNull();
      expect(snap?.price).toBe(price);

      const sym = await store.symbols.add(userId, {
        symbol: 'TYPEUSDT',
        venue: 'binance',
        assetType: 'crypto',
        interval: '1m',
        createdAt: time,
      });
      expect(sym.active).toBe(true);
      expect(sym.createdAt).toBe(time);
      const stopped = await store.symbols.setActive(sym.id, userId, false);
      expect(stopped?.active).toBe(false);
      expect((await store.symbols.list(userId))[0]?.active).toBe(false);
      expect(typeof (await store.trades.count(userId))).toBe('number');
    });
  });

  describe('decisions', () => {
    it('statistics: counts, mean confidence and hit rate against the next stored price (hand-computed)', async () => {
      const a = await newUser();
      const b = await newUser();
      const symbol = unique('STAT');
      const decision = (action: 'BUY' | 'SELL' | 'HOLD', confidence: number) => ({
        symbol,
        action,
        confidence,
        reason: 'test',
        modelVersion: 'v',
        strategy: 's',
        probabilities: { BUY: 0.3, SELL: 0.3, HOLD: 0.4 },
      });
      const snapshot = (price: number, observedAt: number, sym = symbol) => ({
        symbol: sym,
        price,
        source: 'binance' as const,
        interval: '1m' as const,
        indicators: { sma_10: null, sma_50: null, rsi_14: null },
        features: null,
        candleTime: observedAt,
        observedAt,
      });
      // A: BUY 100 @1000 -> next snapshot 105 @2000: hit (B's decision @1500 at 50 must not count; other symbol ignored).
      await store.decisions.insert({ userId: a, decision: decision('BUY', 0.6), price: 100, createdAt: 1_000 });
      await store.decisions.insert({ userId: b, decision: decision('SELL', 0.99), price: 50, createdAt: 1_500 });
      await store.snapshots.insert(a, snapshot(1, 1_500, unique('OTHER')));
      await store.snapshots.insert(a, snapshot(105, 2_000));
      // A: SELL 105 @3000 -> own HOLD decision @3500 at 103 comes before snapshot @4000 at 110: hit.
      await store.decisions.insert({ userId: a, decision: decision('SELL', 0.7), price: 105, createdAt: 3_000 });
      await store.decisions.insert({ userId: a, decision: decision('HOLD', 0.5), price: 103, createdAt: 3_500 });
      await store.snapshots.insert(a, snapshot(110, 4_000));
      // A: BUY 110 @5000 -> snapshot 110 @6000: equal price, a miss.
      await store.decisions.insert({ userId: a, decision: decision('BUY', 0.8), price: 110, createdAt: 5_000 });
      await store.snapshots.insert(a, snapshot(110, 6_000));
      // A: SELL 110 @7000 -> nothing later: not evaluated.
      await store.decisions.insert({ userId: a, decision: decision('SELL', 0.9), price: 110, createdAt: 7_000 });

      const stats = await store.decisions.statistics(a, symbol);
      expect(stats.total).toBe(5);
      expect(stats.byAction).toEqual({ BUY: 2, SELL: 2, HOLD: 1 });
      expect(stats.meanConfidence).toBeCloseTo((0.6 + 0.7 + 0.5 + 0.8 + 0.9) / 5, 12);
      expect(stats.hitRate).toEqual({ hits: 2, evaluated: 3, rate: 2 / 3 });

      const bStats = await store.decisions.statistics(b, symbol);
      // B's SELL 50 @1500 -> next snapshot 105 @2000: higher, a miss.
      expect(bStats.hitRate).toEqual({ hits: 0, evaluated: 1, rate: 0 });
      const empty = await store.decisions.statistics(await newUser());
      expect(empty).toEqual({
        total: 0,
        byAction: { BUY: 0, SELL: 0, HOLD: 0 },
        meanConfidence: null,
        hitRate: { hits: 0, evaluated: 0, rate: null },
      });
    });

    it('lists newest first with filters, paging and the total', async () => {
      const userId = await newUser();
      const symbol = unique('LIST');
      for (let i = 0; i < 7; i++) {
        await store.decisions.insert({
          userId,
          decision: {
            symbol,
            action: i % 2 === 0 ? 'BUY' : 'HOLD',
            confidence: 0.5,
            reason: `r${i}`,
            modelVersion: 'v',
            strategy: 's',
            probabilities: { BUY: 1, SELL: 0, HOLD: 0 },
          },
          price: 100 + i,
          createdAt: 10_000 + i * 1_000,
        });
      }
      const page = await store.decisions.list({ userId, limit: 2, offset: 1 });
      expect(page.total).toBe(7);
      expect(page.items.map((d) => d.reason)).toEqual(['r5', 'r4']);
      const buys = await store.decisions.list({ userId, symbol, action: 'BUY', from: 12_000, to: 16_000, limit: 10, offset: 0 });
      expect(buys.total).toBe(3);
      expect(buys.items.map((d) => d.reason)).toEqual(['r6', 'r4', 'r2']);
      expect(buys.items[0]?.probabilities).toEqual({ BUY: 1, SELL: 0, HOLD: 0 });
    });
  });

  describe('market snapshots', () => {
    it("latest and range by observation time, each user's own only", async () => {
      const symbol = unique('SNAP');
      const owner = await newUser();
      const other = await newUser();
      const snap = (price: number, observedAt: number) => ({
        symbol,
        price,
        source: 'bybit' as const,
        interval: '5m' as const,
        indicators: { sma_10: price, sma_50: price, rsi_14: 50 },
        features: { f: price },
        candleTime: observedAt - 1,
        observedAt,
      });
      expect(await store.snapshots.latest(owner, symbol)).toBeNull();
      for (const [p, t0] of [
        [1, 100],
        [3, 300],
        [2, 200],
      ] as const) {
        await store.snapshots.insert(owner, snap(p, t0));
      }
      expect(await store.snapshots.latest(owner, symbol)).toMatchObject({
        price: 3,
        observedAt: 300,
        source: 'bybit',
        interval: '5m',
        features: { f: 3 },
        cycleId: null,
      });
      expect((await store.snapshots.range(owner, symbol, 150, 300, 10)).map((s) => s.price)).toEqual([2, 3]);
      expect((await store.snapshots.range(owner, symbol, 0, 1_000, 2)).map((s) => s.price)).toEqual([1, 2]);
      // Issue 11 finding 3: another account's snapshots (and so its cycle ids and times) stay invisible.
      await store.snapshots.insert(other, snap(9, 400));
      expect(await store.snapshots.latest(owner, symbol)).toMatchObject({ price: 3 });
      expect((await store.snapshots.range(owner, symbol, 0, 1_000, 10)).map((s) => s.price)).toEqual([1, 2, 3]);
      expect((await store.snapshots.range(other, symbol, 0, 1_000, 10)).map((s) => s.price)).toEqual([9]);
    });
  });

  describe('portfolio', () => {
    it('loadBook creates the account once; reset starts over; equity curve returns the newest points oldest first', async () => {
      const userId = await newUser();
      const first = await store.portfolio.loadBook(userId, 5_000);
      expect(first).toEqual({ startingCapital: 5_000, cash: 5_000, realizedPnl: 0, feesPaid: 0, positions: [], updatedAt: 0 });
      // A second call with another capital does not overwrite the existing account.
      expect((await store.portfolio.loadBook(userId, 9_999)).cash).toBe(5_000);
      for (let i = 0; i < 4; i++) {
        const id = await store.cycles.nextCycleId();
        await store.cycles.saveCycle(cycleRecord({ cycleId: id, userId, time: 1_000 * (i + 1) }));
      }
      const curve = await store.portfolio.equityCurve(userId, { limit: 2 });
      expect(curve.map((p) => p.time)).toEqual([3_000, 4_000]);
      expect((await store.portfolio.equityCurve(userId, { from: 2_000, to: 3_000, limit: 10 })).map((p) => p.time)).toEqual([2_000, 3_000]);
      expect((await store.portfolio.loadBook(userId, 5_000)).startingCapital).toBe(5_000);

      await store.portfolio.reset(userId, 20_000, 99);
      expect(await store.portfolio.loadBook(userId, 1)).toEqual({
        startingCapital: 20_000,
        cash: 20_000,
        realizedPnl: 0,
        feesPaid: 0,
        positions: [],
        updatedAt: 99,
      });
      expect(await store.portfolio.equityCurve(userId, { limit: 10 })).toEqual([]);
      expect(await store.trades.count(userId)).toBe(4);
    });
  });

  describe('users and refresh tokens', () => {
    it('creates users, refuses duplicates with CONFLICT, tracks refresh tokens', async () => {
      const username = unique('alice');
      const user = await store.users.create({ username, email: `${username}@x.test`, passwordHash: 'scrypt$abc', createdAt: 42 });
      expect(user).toEqual({
        id: user.id,
        username,
        email: `${username}@x.test`,
        passwordHash: 'scrypt$abc',
        createdAt: 42,
        tokenVersion: 0,
        role: 'user',
      });
      expect(user.id).toBeGreaterThan(1);
      expect(await store.users.byUsername(username)).toEqual(user);
      expect(await store.users.byId(user.id)).toEqual(user);
      expect(await store.users.byUsername(unique('nobody'))).toBeNull();
      await expectCode(store.users.create({ username, email: `${unique('o')}@x.test`, passwordHash: 'x' }), 'CONFLICT');
      await expectCode(store.users.create({ username: unique('bob'), email: `${username}@x.test`, passwordHash: 'x' }), 'CONFLICT');

      const jti = unique('jti');
      await store.users.saveRefresh(jti, user.id, 10_000);
      expect(await store.users.isRefreshValid(jti, 9_999)).toBe(true);
      expect(await store.users.isRefreshValid(jti, 10_000)).toBe(false);
      expect(await store.users.revokeRefresh(jti, 5_000)).toBe(true);
      expect(await store.users.revokeRefresh(jti, 5_001)).toBe(false);
      expect(await store.users.isRefreshValid(jti, 1)).toBe(false);
      expect(await store.users.isRefreshValid(unique('unknown'), 1)).toBe(false);
      await expectCode(store.users.saveRefresh(jti, user.id, 1), 'CONFLICT');
    });

    // Issue 11 finding 15: `LOCAL` registered next to `local`.
    it('treats usernames and emails as unique ignoring case, and finds a user by any case of its name', async () => {
      const username = unique('Carol');
      const user = await store.users.create({ username, email: `${username}@x.test`, passwordHash: 'h' });
      expect(await store.users.byUsername(username.toUpperCase())).toEqual(user);
      expect(await store.users.byUsername(username.toLowerCase())).toEqual(user);
      await expectCode(
        store.users.create({ username: username.toUpperCase(), email: `${unique('o')}@x.test`, passwordHash: 'x' }),
        'CONFLICT',
      );
      await expectCode(
        store.users.create({ username: unique('d'), email: `${username.toUpperCase()}@X.TEST`, passwordHash: 'x' }),
        'CONFLICT',
      );
      await expectCode(store.users.create({ username: 'LOCAL', email: `${unique('o')}@x.test`, passwordHash: 'x' }), 'CONFLICT');
    });

    it('sets roles, revokes tokens by moving the token version on, and deletes a user with everything it owns', async () => {
      const id = await newUser();
      expect(await store.users.setRole(id, 'operator')).toBe(true);
      expect((await store.users.byId(id))?.role).toBe('operator');
      const jti = unique('jti');
      await store.users.saveRefresh(jti, id, Number.MAX_SAFE_INTEGER);
      expect(await store.users.revokeTokens(id)).toBe(true);
      expect((await store.users.byId(id))?.tokenVersion).toBe(1);
      expect(await store.users.isRefreshValid(jti, 1)).toBe(false);
      await store.symbols.add(id, { symbol: 'BTCUSDT', venue: 'binance', assetType: 'crypto', interval: '1m', createdAt: 1 });
      await store.agents.put({
        userId: id,
        name: 'scheduler',
        status: 'running',
        config: {},
        lastRunAt: null,
        lastError: null,
        updatedAt: 1,
      });
      expect(await store.users.delete(id)).toBe(true);
      expect(await store.users.byId(id)).toBeNull();
      expect(await store.symbols.list(id)).toEqual([]);
      expect(await store.agents.get(id, 'scheduler')).toBeNull();
      expect(await store.users.delete(id)).toBe(false);
      expect(await store.users.setRole(id, 'user')).toBe(false);
      await expectCode(store.users.delete(1), 'FORBIDDEN');
    });
  });

  describe('symbols', () => {
    it('add, duplicate CONFLICT, list, remove, activeAll across users', async () => {
      const a = await newUser();
      const b = await newUser();
      const s1 = await store.symbols.add(a, { symbol: 'BTCUSDT', venue: 'binance', assetType: 'crypto', interval: '1m', createdAt: 1 });
      const s2 = await store.symbols.add(a, {
        symbol: 'AAPL',
        venue: 'yahoo',
        assetType: 'stock',
        interval: '1d',
        active: false,
        createdAt: 2,
      });
      const s3 = await store.symbols.add(b, { symbol: 'ETHUSDT', venue: 'bybit', assetType: 'crypto', interval: '5m', createdAt: 3 });
      await expectCode(store.symbols.add(a, { symbol: 'BTCUSDT', venue: 'bybit', assetType: 'crypto', interval: '1h' }), 'CONFLICT');
      expect(await store.symbols.list(a)).toEqual([s1, s2]);
      const active = (await store.symbols.activeAll()).filter((s) => s.userId === a || s.userId === b);
      expect(active).toEqual([s1, s3]);
      expect(await store.symbols.remove(s1.id, a)).toBe(true);
      expect(await store.symbols.remove(s1.id, a)).toBe(false);
      expect(await store.symbols.list(a)).toEqual([s2]);
    });
  });

  describe('risk and agent state', () => {
    it('put then get replaces the whole state', async () => {
      const userId = await newUser();
      expect(await store.risk.get(userId)).toBeNull();
      const state = {
        userId,
        state: 'ACTIVE' as const,
        reason: null,
        haltedAt: null,
        day: '2024-01-02',
        dayStartEquity: 10_000,
        peakEquity: 10_500.25,
        updatedAt: 1,
      };
      await store.risk.put(state);
      expect(await store.risk.get(userId)).toEqual(state);
      const halted = { ...state, state: 'HALTED' as const, reason: 'MAX_DAILY_LOSS: -5.2% < -5%', haltedAt: 2, updatedAt: 2 };
      await store.risk.put(halted);
      expect(await store.risk.get(userId)).toEqual(halted);

      expect(await store.agents.get(userId, 'market-monitor')).toBeNull();
      const agent = {
        userId,
        name: 'market-monitor',
        status: 'running',
        config: { symbols: ['BTCUSDT'], everyMs: 60_000 },
        lastRunAt: null,
        lastError: null,
        updatedAt: 3,
      };
      await store.agents.put(agent);
      await store.agents.put({ ...agent, name: 'decision-maker' });
      const stopped = { ...agent, status: 'stopped', lastRunAt: 4, lastError: 'boom', updatedAt: 5 };
      await store.agents.put(stopped);
      expect(await store.agents.get(userId, 'market-monitor')).toEqual(stopped);
      expect((await store.agents.all(userId)).map((x) => x.name)).toEqual(['decision-maker', 'market-monitor']);
      expect((await store.agents.all()).some((x) => x.userId === userId)).toBe(true);
    });
  });

  describe('candles', () => {
    const series = (n: number, start: number, closeShift = 0): Candle[] =>
      Array.from({ length: n }, (_, i) => ({
        openTime: start + i * 60_000,
        open: 100 + i,
        high: 101 + i,
        low: 99 + i,
        close: 100.5 + i + closeShift,
        volume: 10 + i / 8,
        closeTime: start + i * 60_000 + 59_999,
      }));

    it('upsertMany is idempotent across chunk boundaries; update vs ignore; range and latestOpenTime', async () => {
      const symbol = unique('CNDL');
      const start = 1_700_000_040_000;
      const candles = series(2_345, start);
      expect(await store.candles.latestOpenTime('binance', symbol, '1m')).toBeNull();
      expect(await store.candles.upsertMany('binance', symbol, '1m', candles)).toBe(2_345);
      await store.candles.upsertMany('binance', symbol, '1m', candles);
      expect(await store.candles.count('binance', symbol, '1m')).toBe(2_345);
      expect(await store.candles.count('bybit', symbol, '1m')).toBe(0);
      expect(await store.candles.latestOpenTime('binance', symbol, '1m')).toBe(start + 2_344 * 60_000);

      // `ignore` keeps the stored bar; `update` (default) overwrites it.
      const shifted = series(3, start, 7);
      expect(await store.candles.upsertMany('binance', symbol, '1m', shifted, { onConflict: 'ignore' })).toBe(0);
      expect((await store.candles.range('binance', symbol, '1m', start, start, 5))[0]?.close).toBe(100.5);
      await store.candles.upsertMany('binance', symbol, '1m', shifted);
      expect((await store.candles.range('binance', symbol, '1m', start, start))[0]?.close).toBe(107.5);

      const window = await store.candles.range('binance', symbol, '1m', start + 1_000 * 60_000, start + 1_002 * 60_000);
      expect(window).toEqual(candles.slice(1_000, 1_003));
      expect(await store.candles.count('binance', symbol, '1m')).toBe(2_345);
    });
  });

  describe('backtests', () => {
    it('create, update progress and result, list newest first', async () => {
      const userId = await newUser();
      const first = unique('bt');
      const second = unique('bt');
      const created = await store.backtests.create({ id: first, userId, params: { symbol: 'BTCUSDT', fromMs: 1 }, createdAt: 10 });
      expect(created).toEqual({
        id: first,
        userId,
        status: 'queued',
        params: { symbol: 'BTCUSDT', fromMs: 1 },
        progress: 0,
        result: null,
        error: null,
        createdAt: 10,
        finishedAt: null,
      });
      await store.backtests.create({ id: second, userId, params: {}, createdAt: 20 });
      await expectCode(store.backtests.create({ id: first, userId, params: {}, createdAt: 30 }), 'CONFLICT');
      expect(await store.backtests.update(first, { status: 'running', progress: 0.25 })).toBe(true);
      expect(
        await store.backtests.update(first, { status: 'completed', progress: 1, result: { sharpe: 1.5, trades: 3 }, finishedAt: 99 }),
      ).toBe(true);
      expect(await store.backtests.update(unique('missing'), { progress: 0.5 })).toBe(false);
      expect(await store.backtests.get(first, userId)).toMatchObject({
        status: 'completed',
        progress: 1,
        result: { sharpe: 1.5, trades: 3 },
        finishedAt: 99,
        error: null,
      });
      expect((await store.backtests.list(userId)).map((x) => x.id)).toEqual([second, first]);
    });
  });

  describe('audit', () => {
    it("records changes with old and new values; a user reads only their own account's, an operator also the shared ones", async () => {
      const alice = await newUser();
      const bob = await newUser();
      const symbol = { symbol: 'BTCUSDT', venue: 'binance' };
      const added = await store.audit.record({
        userId: alice,
        scope: 'account',
        action: 'symbol.add',
        target: 'BTCUSDT',
        oldValue: null,
        newValue: symbol,
        createdAt: 100,
      });
      await store.audit.record({
        userId: alice,
        scope: 'account',
        action: 'symbol.remove',
        target: 'BTCUSDT',
        oldValue: symbol,
        newValue: null,
        createdAt: 200,
      });
      const map = unique('map');
      await store.audit.record({
        userId: bob,
        scope: 'shared',
        action: 'enable_map.replace',
        target: map,
        oldValue: { cooldown_bars: 3 },
        newValue: { cooldown_bars: 0 },
        createdAt: 150,
      });
      await store.audit.record({
        userId: bob,
        scope: 'account',
        action: 'risk.halt',
        target: 'account',
        oldValue: 'ACTIVE',
        newValue: 'HALTED',
        createdAt: 300,
      });

      const mine = await store.audit.list({ userId: alice, includeShared: false, limit: 10 });
      expect(mine.map((e) => [e.action, e.createdAt])).toEqual([
        ['symbol.remove', 200],
        ['symbol.add', 100],
      ]);
      const aliceName = (await store.users.byId(alice))?.username;
      expect(mine[1]).toEqual({
        id: added,
        userId: alice,
        username: aliceName,
        scope: 'account',
        action: 'symbol.add',
        target: 'BTCUSDT',
        oldValue: null,
        newValue: symbol,
        createdAt: 100,
      });
      // Another user's shared change is an operator's to read, and its account changes nobody else's.
      const asOperator = await store.audit.list({ userId: alice, includeShared: true, limit: 100 });
      expect(asOperator.filter((e) => e.userId === bob).map((e) => e.target)).toEqual([map]);
      expect(asOperator.find((e) => e.target === map)).toMatchObject({ oldValue: { cooldown_bars: 3 }, newValue: { cooldown_bars: 0 } });
      expect((await store.audit.list({ userId: bob, includeShared: false, limit: 10 })).map((e) => e.newValue)).toEqual(['HALTED']);
      expect(await store.audit.list({ userId: alice, includeShared: false, limit: 1 })).toHaveLength(1);
    });
  });

  describe('maintenance', () => {
    it('health reports ok with a latency; vacuum runs', async () => {
      const health = await store.health();
      expect(health.ok).toBe(true);
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
      await store.vacuum();
    });

    it('compaction deletes the messages and snapshot features of old cycles and keeps every outcome', async () => {
      const userId = await newUser();
      const symbol = unique('CMP').toUpperCase().slice(0, 20);
      // Old: 2001; new: 2033; the cutoff between them. Other tests' rows may be compacted too (they are older
      // than the cutoff), so every assertion is about this test's own rows.
      const oldTime = 1_000_000_000_000;
      const newTime = 2_000_000_000_000;
      const cutoff = 1_500_000_000_000;
      const oldId = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: oldId, userId, symbol, time: oldTime }));
      const newId = await store.cycles.nextCycleId();
      await store.cycles.saveCycle(cycleRecord({ cycleId: newId, userId, symbol, time: newTime, status: 'SKIPPED' }));
      const standalone = await store.snapshots.insert(userId, {
        symbol,
        price: 1,
        source: 'binance',
        interval: '1m',
        indicators: { sma_10: null, sma_50: null, rsi_14: null },
        features: { ret_1: 0.5 },
        candleTime: oldTime - 10,
        observedAt: oldTime - 5,
      });
      const equityBefore = await store.portfolio.equityCurve(userId, { limit: 100 });
      const tradesBefore = await store.trades.bySymbol(userId, symbol, 10);
      expect(tradesBefore).toHaveLength(1);

      const result = await store.compact(cutoff);
      expect(result.before).toBe(cutoff);
      expect(result.cycles).toBeGreaterThanOrEqual(1);
      expect(result.messagesDeleted).toBeGreaterThanOrEqual(3);
      expect(result.snapshotsCompacted).toBeGreaterThanOrEqual(2);

      expect(await store.cycles.messages(oldId, userId)).toEqual([]);
      expect((await store.cycles.messages(newId, userId))?.map((m) => m.type)).toEqual(['CycleRequested', 'MarketSnapshot', 'Decision']);
      expect(await store.cycles.get(oldId, userId)).toMatchObject({ id: oldId, action: 'BUY', executionStatus: 'FILLED' });
      expect(await store.trades.byCycle(oldId, userId)).toHaveLength(1);
      expect(await store.trades.bySymbol(userId, symbol, 10)).toEqual(tradesBefore);
      expect(await store.portfolio.equityCurve(userId, { limit: 100 })).toEqual(equityBefore);
      const snaps = await store.snapshots.range(userId, symbol, 0, newTime + 10, 10);
      expect(snaps.map((x) => [x.id === standalone ? 'standalone' : x.cycleId, x.features])).toEqual([
        ['standalone', null],
        [oldId, null],
        [newId, { ret_1: 0.001, rsi_14: 55.5 }],
      ]);
      expect(snaps[1].price).toBe(43_210.5);

      // A second run finds nothing left before the same cutoff.
      expect(await store.compact(cutoff)).toEqual({ before: cutoff, cycles: 0, messagesDeleted: 0, snapshotsCompacted: 0 });
    });

    it('sizeBytes reports the database size, and it does not grow from compaction and vacuum', async () => {
      const before = await store.sizeBytes();
      expect(before).toBeGreaterThan(0);
      await store.compact(0);
      await store.vacuum();
      expect(await store.sizeBytes()).toBeLessThanOrEqual(before * 1.05 + 65_536);
    });
  });
}
