import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/engine/clock.js';
import type { DistributedScheduler } from '../../src/engine/queue/cycle-queue.js';
import { CYCLE_QUEUE, tickSchedulerId } from '../../src/engine/queue/cycle-queue.js';
import { connectDistributed, type Distributed, scheduledSymbols } from '../../src/engine/queue/wiring.js';
import { readCandlesCsv } from '../../src/market/csv-candles.js';
import { trainModel } from '../../src/ml/model.js';
import { saveModel } from '../../src/ml/model-loader.js';
import { openStore, type Store } from '../../src/store/db.js';
import { REPO_ROOT, sharedData } from '../helpers/shared-data.js';

const redisUrl = process.env.TEST_REDIS_URL;
const pgEnv = process.env.TEST_DATABASE_URL;
const pgUrl = pgEnv && /^postgres(ql)?:\/\//.test(pgEnv) ? pgEnv : undefined;
const skip = !redisUrl || !pgUrl;
if (skip) {
  console.log(
    'distributed-workers: skipped, needs TEST_REDIS_URL (redis://127.0.0.1:6379) and TEST_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test)',
  );
}

const HOUR = 3_600_000;
/** 2025-09-01T00:00:00Z, inside both the spot 1h and the USD-M 15m recordings. */
const FIRST_CLOSE = 1_756_684_800_000;
const BOUNDARIES = Array.from({ length: 20 }, (_, i) => FIRST_CLOSE + i * HOUR);
const SPOT = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT'];
/** The USD-M perpetuals stand for five more markets (aggregated 15m -> 1h by the replay). */
const PERPS = SPOT.map((s) => s.replace('USDT', 'PERP'));
const SYMBOLS = [...SPOT, ...PERPS];
const STARTING_CAPITAL = 10_000;

interface WorkerProc {
  readonly child: ChildProcess;
  readonly cycles: string[];
  ready: Promise<void>;
}

/** `conclave worker` as its own process (the CLI entry through tsx), logging JSON lines we read. */
function spawnWorker(env: Record<string, string>, prefix: string): WorkerProc {
  const replay = [
    ...SPOT.map((s) => sharedData('klines', `${s}_1h.csv`)),
    ...SPOT.map((s) => `${s.replace('USDT', 'PERP')}=${sharedData('klines', 'binance-usdm', `${s}_15m.csv`)}`),
  ];
  const args = [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'worker',
    '--prefix',
    prefix,
    '--concurrency',
    '4',
    '--job-lock-ms',
    '2000',
    '--lock-ttl-ms',
    '2000',
  ];
  const child = spawn(process.execPath, [...args, '--replay', ...replay], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const cycles: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        try {
          const entry = JSON.parse(line) as { msg?: string; cycle_key?: string };
          if (entry.msg === 'worker ready') resolve();
          if (entry.msg === 'cycle done' && entry.cycle_key) cycles.push(entry.cycle_key);
        } catch {
          // not a log line
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr.slice(-2000)}`)));
  });
  return { child, cycles, ready };
}

/** Polls an external condition (other processes' progress); fails after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skip)('distributed mode: scheduler + two worker processes on Redis and PostgreSQL', () => {
  const schema = `conclave_dist_${randomBytes(5).toString('hex')}`;
  const prefix = `conclave-test-${randomBytes(5).toString('hex')}`;
  const scopedUrl = `${pgUrl}${pgUrl?.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  let store: Store;
  let dist: Distributed;
  let scheduler: DistributedScheduler;
  let events: QueueEvents;
  let userId: number;
  const workers: WorkerProc[] = [];
  let stalled = 0;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.end();
    store = await openStore({ kind: 'postgres', url: scopedUrl as string }, { poolMax: 4 });
    const user = await store.users.create({ username: 'dist', email: 'dist@example.test', passwordHash: 'x', createdAt: 0 });
    userId = user.id;
    for (const symbol of SYMBOLS)
      await store.symbols.add(userId, { symbol, venue: 'replay', assetType: 'crypto', interval: '1h', createdAt: 0 });

    // A small model trained on candles before the replayed hours, saved where the workers load it.
    const dir = mkdtempSync(join(tmpdir(), 'conclave-dist-'));
    const modelPath = join(dir, 'model.json');
    const history = readCandlesCsv(sharedData('klines', 'BTCUSDT_1h.csv')).filter((c) => c.closeTime < FIRST_CLOSE - 200 * HOUR);
    const params = { symbol: 'BTCUSDT', interval: '1h' as const, labelThreshold: 0.001, trees: 8, maxDepth: 6, seed: 7 };
    await saveModel(trainModel(history.slice(-3_000), params), modelPath);

    dist = connectDistributed(redisUrl as string, { prefix });
    const clock = new SimClock(FIRST_CLOSE);
    const symbols = scheduledSymbols(store.symbols, { userId: -1, symbol: 'none' });
    scheduler = dist.scheduler({ clock, state: store.agents, symbols, closeDelayMs: 0 });
    events = new QueueEvents(CYCLE_QUEUE, { connection: { url: redisUrl }, prefix });
    events.on('stalled', () => {
      stalled++;
    });
    await events.waitUntilReady();

    const env = {
      DATABASE_URL: scopedUrl,
      REDIS_URL: redisUrl as string,
      MODEL_PATH: modelPath,
      DEFAULT_SYMBOL: 'BTCUSDT',
      KLINE_INTERVAL: '1h',
      LABEL_THRESHOLD: '0.001',
      MODEL_TREES: '8',
      MODEL_MAX_DEPTH: '6',
      MODEL_SEED: '7',
      MIN_CONFIDENCE: '0',
      STARTING_CAPITAL: String(STARTING_CAPITAL),
      LOG_LEVEL: 'info',
      LOG_DIR: '',
    };
    workers.push(spawnWorker(env, prefix), spawnWorker(env, prefix));
    await Promise.all(workers.map((w) => w.ready));
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
    await Promise.all(
      workers.map((w) => (w.child.exitCode !== null || w.child.signalCode !== null ? null : new Promise((r) => w.child.once('exit', r)))),
    );
    await events?.close();
    await scheduler?.queue.obliterate({ force: true }).catch(() => {});
    if (dist) {
      const leftovers = await dist.redis.keys(`${prefix}:*`);
      if (leftovers.length > 0) await dist.redis.del(...leftovers);
      await dist.close();
    }
    await store?.close();
    if (pgUrl) {
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
  }, 60_000);

  it('runs 200 cycles over 10 symbols exactly once, with no duplicate orders, after one worker is killed mid-run', async () => {
    // Monitoring on, as `POST /api/agents/market-monitor` leaves it; the test plays the ticks from the replay.
    await store.agents.put({
      userId,
      name: 'market-monitor',
      status: 'running',
      config: { interval: '1h', startedAt: 0 },
      lastRunAt: null,
      lastError: null,
      updatedAt: 0,
    });
    for (const boundary of BOUNDARIES) expect(await scheduler.fanOut('1h', boundary)).toHaveLength(SYMBOLS.length);
    // A second fan-out of a handled close adds nothing.
    expect(await scheduler.fanOut('1h', BOUNDARIES[5])).toHaveLength(0);

    const saved = async () =>
      Number(
        (
          await store.db
            .selectFrom('cycles')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const [victim, survivor] = workers;
    await waitFor('the first worker to finish a few cycles', () => victim.cycles.length >= 5);
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    const atKill = await saved();
    expect(atKill).toBeLessThan(200);

    await waitFor('every cycle saved', async () => (await saved()) >= 200);
    await waitFor('the queue to drain', async () => {
      const c = await scheduler.queue.getJobCounts('waiting', 'active', 'delayed');
      return c.waiting + c.active + c.delayed === 0;
    });

    const cycles = await store.db.selectFrom('cycles').select(['id', 'idempotency_key', 'symbol']).execute();
    const expected = BOUNDARIES.flatMap((b) => SYMBOLS.map((s) => `u${userId}:${s}:1h:${b - HOUR}`)).sort();
    expect(cycles.map((c) => c.idempotency_key).sort()).toEqual(expected);

    const trades = await store.db.selectFrom('trades').selectAll().where('user_id', '=', userId).execute();
    // No order twice; a cycle may book a stop-loss/take-profit fill beside its one decision's order, never two decisions.
    expect(new Set(trades.map((t) => t.order_id)).size).toBe(trades.length);
    const decisionsPerCycle = new Map<number, number>();
    for (const t of trades) {
      if (t.reason === 'STOP_LOSS' || t.reason === 'TAKE_PROFIT') continue;
      decisionsPerCycle.set(Number(t.cycle_id), (decisionsPerCycle.get(Number(t.cycle_id)) ?? 0) + 1);
    }
    expect([...decisionsPerCycle.values()].every((n) => n === 1)).toBe(true);
    const filled = trades.filter((t) => t.status === 'FILLED');
    expect(filled.length).toBeGreaterThan(0);

    // The shared book saw every fill exactly once: cash and positions equal a replay of the trades table.
    let cash = STARTING_CAPITAL;
    const qty = new Map<string, number>();
    for (const t of filled) {
      const notional = t.quantity * (t.execution_price as number);
      cash += t.action === 'BUY' ? -notional - t.fee : notional - t.fee;
      qty.set(t.symbol, (qty.get(t.symbol) ?? 0) + (t.action === 'BUY' ? t.quantity : -t.quantity));
    }
    const account = await store.db.selectFrom('accounts').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(account.cash).toBeCloseTo(cash, 6);
    const positions = await store.portfolio.positions(userId);
    for (const p of positions) expect(p.quantity).toBeCloseTo(qty.get(p.symbol) ?? 0, 9);
    const open = [...qty.entries()]
      .filter(([, q]) => Math.abs(q) > 1e-12)
      .map(([s]) => s)
      .sort();
    expect(positions.map((p) => p.symbol).sort()).toEqual(open);

    const failed = await scheduler.queue.getJobCounts('failed');
    expect(failed.failed).toBe(0);
    expect(survivor.cycles.length).toBeGreaterThan(0);
    console.log(
      `distributed-workers: ${cycles.length} cycles, ${filled.length} fills, killed worker had done ${victim.cycles.length}, ${atKill} saved at the kill, ${stalled} stalled job(s) retried`,
    );
    expect(stalled).toBeGreaterThanOrEqual(1);
  }, 180_000);
});

describe.skipIf(skip)('distributed mode: monitoring control', () => {
  const schema = `conclave_dist_${randomBytes(5).toString('hex')}`;
  const prefix = `conclave-test-${randomBytes(5).toString('hex')}`;
  let store: Store;
  let dist: Distributed;

  beforeAll(async () => {
    store = await openStore({ kind: 'postgres', url: pgUrl as string }, { schema, poolMax: 2 });
    dist = connectDistributed(redisUrl as string, { prefix });
  });

  afterAll(async () => {
    const leftovers = await dist.redis.keys(`${prefix}:*`);
    if (leftovers.length > 0) await dist.redis.del(...leftovers);
    await dist.close();
    await store.close();
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  it('start registers one job scheduler per interval on candle closes; the last stop removes it; status survives a new process', async () => {
    const clock = new SimClock(FIRST_CLOSE + 30_000);
    const symbols = async () => ['BTCUSDT'];
    const a = dist.scheduler({ clock, state: store.agents, symbols });
    const status = await a.start(1, '1h');
    expect(status).toMatchObject({ running: true, interval: '1h', startedAt: FIRST_CLOSE + 30_000 });
    const ticker = await a.queue.getJobScheduler(tickSchedulerId('1h'));
    expect(ticker).toMatchObject({ every: HOUR, offset: 2_000 });
    await a.start(2, '1h');
    await a.stop(1);
    expect(await a.queue.getJobScheduler(tickSchedulerId('1h'))).toBeTruthy();
    // Another serve process (after a restart) sees the same schedules and re-creates their tickers.
    const b = dist.scheduler({ clock, state: store.agents, symbols });
    expect(await b.resume()).toEqual(['1h']);
    expect((await b.status(2)).running).toBe(true);
    expect((await b.status(1)).running).toBe(false);
    await b.stop(2);
    expect(await b.queue.getJobScheduler(tickSchedulerId('1h'))).toBeFalsy();
  });
});
