import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunEvents, RunEventsCollector } from '../../src/backtest/run-events.js';
import type { BacktestResult } from '../../src/backtest/runner.js';
import { runStrategyBacktest } from '../../src/backtest/service.js';
import { type AppConfig, loadConfig } from '../../src/config.js';
import type { Fill } from '../../src/domain/order.js';
import { LOCAL_USER_ID } from '../../src/engine/trading-engine.js';
import { createRuntime } from '../../src/runtime.js';
import { embeddedMonitoring, switchOnAtFirstStart } from '../../src/serve.js';
import { followLastBarModel } from '../helpers/follow-last-bar.js';
import { sharedData } from '../helpers/shared-data.js';

/**
 * Paper trading composed exactly as `npm start` composes it (createRuntime, the embedded scheduler stepping a
 * `MARKET_SOURCE=replay:` recording, the SQL store, the governor, stops) against `conclave backtest`'s own path
 * (runStrategyBacktest) over the same real candles: identical orders, fills, denials with reason codes, halts,
 * stops and equity after every candle, for every protocol. Both sides take the model as an adapter (the paper
 * runtime would otherwise train its own at start-up); everything else is the production composition.
 */

const TRAINING = 200;
const KLINES = 100;
/** Candles the replay shows before the first cycle: what runtime.ts's replaySource skips. */
const WARMUP = TRAINING + KLINES + 2;
const TRADED = 720;

const model = followLastBarModel;

/** Real BTCUSDT 1h candles from 2022-05-01 (contiguous; the May-June 2022 fall halts a tight daily-loss limit). */
function recording(dir: string): { path: string; firstTraded: number } {
  const lines = readFileSync(sharedData('klines', 'BTCUSDT_1h.csv'), 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith(`${Date.UTC(2022, 4, 1)},`));
  const rows = lines.slice(first, first + WARMUP + TRADED);
  const path = join(dir, 'BTCUSDT_1h.csv');
  writeFileSync(path, `${lines[0]}\n${rows.join('\n')}\n`);
  // The first step advances the replay past its warm-up: candle WARMUP is the first one traded.
  return { path, firstTraded: Number(rows[WARMUP].split(',')[0]) };
}

function config(protocol: string, dir: string, file: string, databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    LOG_LEVEL: 'silent',
    PROTOCOL: protocol,
    MARKET_SOURCE: `replay:${file}`,
    DEFAULT_SYMBOL: 'BTCUSDT',
    KLINE_INTERVAL: '1h',
    KLINE_LIMIT: String(KLINES),
    TRAINING_CANDLES: String(TRAINING),
    DATABASE_URL: databaseUrl,
    MODEL_PATH: join(dir, 'model.json'),
    REPORTS_DIR: join(dir, 'reports'),
    ENABLE_MAP_PATH: join(dir, 'enable-map.yaml'),
    ...env,
  });
}

interface Side {
  readonly orders: unknown[];
  readonly fills: Fill[];
  readonly decisions: [number, string][];
  readonly equity: [number, number][];
  readonly events: RunEvents;
}

interface Paper extends Side {
  /** What the SQL store holds after the session: trades rows and the equity curve. */
  readonly stored: { readonly trades: unknown[]; readonly equity: [number, number][] };
}

const order = (o: { orderId: string | null; status: string; action: string; quantity: number; price: number; reason: string | null }) => [
  o.orderId,
  o.status,
  o.action,
  o.quantity,
  o.price,
  o.reason,
];

/** npm start over the recording, stepped a candle at a time until it ends. */
async function paper(c: AppConfig): Promise<Paper> {
  const runtime = await createRuntime(c, pino({ level: 'silent' }), { model });
  const events = new RunEventsCollector();
  const side: Side = { orders: [], fills: [], decisions: [], equity: [], events: events.summary() };
  runtime.engine.onCycle(events.record);
  runtime.engine.onCycle((o) => {
    side.orders.push(...o.reports.filter((r) => r.status !== 'SKIPPED').map(order));
    side.fills.push(...o.fills);
    side.decisions.push([o.snapshot.candleTime, o.decision.action]);
    side.equity.push([o.portfolio.time, o.portfolio.equity]);
  });
  const monitoring = await embeddedMonitoring(runtime, { stepTimer: false });
  try {
    await switchOnAtFirstStart(runtime, monitoring.control);
    while (await monitoring.step()) {}
    await monitoring.close();
    const trades = (await runtime.store.trades.recent(LOCAL_USER_ID, 100_000)).map((t) => [
      t.orderId,
      t.status,
      t.action,
      t.quantity,
      t.executionPrice,
      t.fee,
      t.reason,
    ]);
    const curve = await runtime.store.portfolio.equityCurve(LOCAL_USER_ID, { limit: 100_000 });
    return {
      ...side,
      events: events.summary(),
      stored: { trades, equity: curve.map((p): [number, number] => [p.time, p.equity]) },
    };
  } finally {
    await monitoring.close();
    await runtime.close();
  }
}

/** `conclave backtest` over the same file and settings, from the first candle the paper session traded. */
async function backtest(c: AppConfig, file: string, firstTraded: number): Promise<{ side: Side; result: BacktestResult }> {
  const { result } = await runStrategyBacktest({ data: [file], config: c, model, from: firstTraded });
  return {
    result,
    side: {
      orders: result.orders.map(order),
      fills: [...result.fills],
      decisions: result.decisions.map((d): [number, string] => [d.time, d.decision.action]),
      equity: result.equity.map((e): [number, number] => [e.time, e.equity]),
      events: result.events,
    },
  };
}

/** Stored trades rows as the backtest's orders and fills imply them: fills and denials, one row each. */
function impliedTrades(result: BacktestResult): unknown[] {
  const rows: unknown[] = result.fills.map((f) => [f.orderId, 'FILLED', f.side, f.quantity, f.executionPrice, f.fee]);
  for (const o of result.orders) if (o.status === 'REJECTED') rows.push([o.orderId, 'REJECTED', o.action, o.quantity, null, 0]);
  return rows;
}

const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

async function compare(protocol: string, databaseUrl: (dir: string) => string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `parity-${protocol}-`));
  const { path, firstTraded } = recording(dir);
  const c = config(protocol, dir, path, databaseUrl(dir), env);
  const p = await paper(c);
  const { side: b, result } = await backtest(c, path, firstTraded);
  expect(b.decisions.length).toBe(TRADED);
  expect(p.decisions).toEqual(b.decisions);
  expect(p.orders).toEqual(b.orders);
  expect(p.fills).toEqual(b.fills);
  expect(p.events).toEqual(b.events);
  expect(p.equity).toEqual(b.equity);
  // The store sat in the loop: what it holds is what the backtest produced.
  expect(p.stored.equity).toEqual(b.equity);
  expect(sorted(p.stored.trades.map((t) => (t as unknown[]).slice(0, 6)))).toEqual(sorted(impliedTrades(result)));
  return { p, result };
}

/** Tight risk settings so the governor and the stops act inside 720 candles. */
const RISKY = {
  ORDER_FRACTION: '0.5',
  MAX_POSITION_PER_SYMBOL: '0.6',
  MAX_DAILY_LOSS: '0.015',
  MAX_DRAWDOWN: '0.5',
  RISK_REDUCE_AT: '1',
  ATR_STOP_MULT: '1',
  TAKE_PROFIT_R: '2',
};

const sqlite = (dir: string) => join(dir, 'conclave.db');

describe('parity: npm start over a replay == conclave backtest over the same candles', () => {
  it('pipeline: a MAX_DAILY_LOSS halt and stop-losses happen, identically on both sides', async () => {
    const { p, result } = await compare('pipeline', sqlite, RISKY);
    expect(result.settings).toMatchObject({ PROTOCOL: 'pipeline', FILL_TIMING: 'next-open', MAX_DAILY_LOSS: 0.015 });
    expect(p.events.halts.some((h) => h.code === 'MAX_DAILY_LOSS')).toBe(true);
    expect(p.events.denials.MAX_DAILY_LOSS ?? 0).toBeGreaterThan(0);
    expect(p.events.stops.some((s) => s.kind === 'STOP_LOSS')).toBe(true);
    expect(p.fills.length).toBeGreaterThan(20);
  }, 300_000);

  it('brain: regimes, strategy switches, denials and stops, identically on both sides', async () => {
    const { p } = await compare('brain', sqlite, RISKY);
    expect(Object.keys(p.events.regimeCycles).length).toBeGreaterThan(1);
    expect(p.events.strategySwitches.length).toBeGreaterThan(1);
    expect(p.fills.length).toBeGreaterThan(5);
  }, 300_000);

  it('consensus: identical on both sides', async () => {
    const { p } = await compare('consensus', sqlite, RISKY);
    expect(p.fills.length).toBeGreaterThan(5);
  }, 300_000);
});

const pgUrl = process.env.TEST_DATABASE_URL;
const created: string[] = [];
afterAll(async () => {
  if (!pgUrl || created.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    for (const db of created) await client.query(`drop database if exists "${db}" with (force)`);
  } finally {
    await client.end();
  }
});

describe.skipIf(!pgUrl || !/^postgres(ql)?:\/\//.test(pgUrl))('parity with PostgreSQL as the paper store', () => {
  it('pipeline with the halt and the stops: identical to the backtest', async () => {
    // A fresh database per run, so no earlier book, schedule or governor state leaks in.
    const name = `parity_${randomBytes(5).toString('hex')}`;
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
    created.push(name);
    const url = new URL(pgUrl as string);
    url.pathname = `/${name}`;
    const { p } = await compare('pipeline', () => url.toString(), RISKY);
    expect(p.events.halts.some((h) => h.code === 'MAX_DAILY_LOSS')).toBe(true);
  }, 300_000);
});
