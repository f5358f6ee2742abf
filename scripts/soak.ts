/**
 * Soak: the embedded scheduler drives the real engine (pipeline protocol, risk governor, paper broker, SQLite
 * store) over recorded Bybit 1m candles of 5 symbols at accelerated speed: a SimClock steps from candle close
 * to candle close and every tick runs one cycle per symbol. Checks after every cycle: no error, the equity
 * identity (cash + sum of position value = equity); and, with --expose-gc, heap growth after warm-up.
 *
 *   node --expose-gc --import tsx scripts/soak.ts                 # 24 h: 1,440 ticks x 5 symbols
 *   node --expose-gc --import tsx scripts/soak.ts --minutes 60 --json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { SimClock } from '../src/engine/clock.js';
import { AsOf, AsOfReplaySource } from '../src/engine/queue/as-of.js';
import { Scheduler, type StoredSchedule } from '../src/engine/scheduler.js';
import { LOCAL_USER_ID } from '../src/engine/trading-engine.js';
import { candlesToColumns, readCandlesCsv } from '../src/market/csv-candles.js';
import { trainModel } from '../src/ml/model.js';
import { createRuntime } from '../src/runtime.js';

const MIN = 60_000;
export const SOAK_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'DOGEUSDT'] as const;
/** 2025-06-10T00:00:00Z: inside the gap-free Bybit 1m recordings (2025-05-29 .. 2025-06-29). */
export const SOAK_START = Date.UTC(2025, 5, 10);

export interface SoakOptions {
  /** Ticks (1m candle closes) to run; each runs one cycle per symbol (default 1,440 = 24 h). */
  readonly minutes?: number;
  /** The shared data folder (default ../shared/data beside the repository). */
  readonly dataDir?: string;
  /** Heap samples start after this share of the ticks (default 0.2). */
  readonly warmup?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SoakReport {
  readonly ticks: number;
  readonly symbols: number;
  readonly cycles: number;
  readonly expectedCycles: number;
  readonly errors: number;
  readonly missedTicks: number;
  readonly duplicates: number;
  readonly fills: number;
  readonly identityChecks: number;
  readonly identityViolations: number;
  /** Largest |cash + sum(qty * mark) - equity| seen, quote currency. */
  readonly maxIdentityError: number;
  readonly finalEquity: number;
  readonly wallSeconds: number;
  readonly cyclesPerSecond: number;
  /** Heap after GC (MB): at the end of warm-up, the largest sample after it, at the end; null without --expose-gc. */
  readonly heapMb: { readonly afterWarmup: number; readonly max: number; readonly final: number; readonly growth: number } | null;
  readonly rssMb: { readonly afterWarmup: number; readonly final: number };
  readonly firstError: string | null;
}

/** Runs the soak and returns its figures (does not judge them). */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const minutes = options.minutes ?? 1_440;
  const dataDir = options.dataDir ?? process.env.CONCLAVE_SHARED_DATA ?? resolve(import.meta.dirname, '../../shared/data');
  const dir = mkdtempSync(join(tmpdir(), 'conclave-soak-'));
  const file = (symbol: string) => join(dataDir, 'klines', 'bybit-linear', `${symbol}_1m.csv`);
  const series = SOAK_SYMBOLS.map((symbol) => ({
    symbol,
    interval: '1m' as const,
    candles: candlesToColumns(readCandlesCsv(file(symbol))),
  }));
  const asOf = new AsOf();
  const source = new AsOfReplaySource({ series }, asOf);
  const history = readCandlesCsv(file('BTCUSDT')).filter((c) => c.closeTime < SOAK_START - 200 * MIN);
  const model = trainModel(history.slice(-5_000), {
    symbol: 'BTCUSDT',
    interval: '1m',
    labelThreshold: 0.001,
    trees: 20,
    maxDepth: 8,
    seed: 42,
  });
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: join(dir, 'soak.db'),
    MODEL_PATH: join(dir, 'model.json'),
    REPORTS_DIR: join(dir, 'reports'),
    DATA_DIR: join(dir, 'data'),
    KLINE_INTERVAL: '1m',
    MIN_CONFIDENCE: '0',
    MARKET_SOURCE: 'synthetic',
  });
  const clock = new SimClock(SOAK_START);
  const runtime = await createRuntime(config, pino({ level: 'silent' }), { clock, source, model });

  let cycles = 0;
  let fills = 0;
  let identityViolations = 0;
  let maxIdentityError = 0;
  let finalEquity = config.STARTING_CAPITAL;
  let errors = 0;
  let duplicates = 0;
  let firstError: string | null = null;
  runtime.engine.onCycle((o) => {
    cycles++;
    fills += o.fills.length;
    const p = o.portfolio;
    const value = p.positions.reduce((sum, pos) => sum + pos.quantity * pos.markPrice, 0);
    const error = Math.abs(p.cash + value - p.equity);
    maxIdentityError = Math.max(maxIdentityError, error);
    if (error > 1e-6 * Math.max(1, Math.abs(p.equity))) identityViolations++;
    finalEquity = p.equity;
  });
  const states = new Map<string, StoredSchedule>();
  const scheduler = new Scheduler({
    clock,
    engine: runtime.engine,
    symbols: async () => SOAK_SYMBOLS,
    // The schedule in memory: the soak measures the engine and scheduler, not agent_state writes.
    state: {
      get: async (u, n) => states.get(`${u}/${n}`) ?? null,
      put: async (s) => {
        states.set(`${s.userId}/${s.name}`, s);
      },
      all: async () => [...states.values()],
    },
    closeDelayMs: 0,
    hooks: {
      onCycle: (result, info) => {
        if (result === 'duplicate') duplicates++;
        if (result === 'error') {
          errors++;
          firstError ??= `${info.symbol} ${info.key}: ${info.code}: ${info.message}`;
        }
      },
    },
  });
  await scheduler.start(LOCAL_USER_ID, '1m');

  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => {
    gc?.();
    return process.memoryUsage().heapUsed / 1_048_576;
  };
  const warmupTicks = Math.floor(minutes * (options.warmup ?? 0.2));
  const sampleEvery = Math.max(1, Math.floor(minutes / 40));
  let afterWarmup = 0;
  let maxHeap = 0;
  let rssWarm = 0;
  const started = performance.now();
  for (let i = 0; i < minutes; i++) {
    // The close of candle i (the first one opens at SOAK_START): its cycles see it as the newest candle.
    const t = SOAK_START + (i + 1) * MIN;
    clock.set(t);
    await asOf.run(t, () => scheduler.tick(t));
    if (i + 1 === warmupTicks) {
      afterWarmup = heap();
      maxHeap = afterWarmup;
      rssWarm = process.memoryUsage().rss / 1_048_576;
    } else if (i + 1 > warmupTicks && (i + 1) % sampleEvery === 0) {
      maxHeap = Math.max(maxHeap, heap());
    }
    options.onProgress?.(i + 1, minutes);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const finalHeap = heap();
  maxHeap = Math.max(maxHeap, finalHeap);
  const status = await scheduler.status(LOCAL_USER_ID);
  await scheduler.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    ticks: minutes,
    symbols: SOAK_SYMBOLS.length,
    cycles,
    expectedCycles: minutes * SOAK_SYMBOLS.length,
    errors: Math.max(errors, status.errors),
    missedTicks: status.missedTicks,
    duplicates,
    fills,
    identityChecks: cycles,
    identityViolations,
    maxIdentityError,
    finalEquity: round(finalEquity),
    wallSeconds: round(wallSeconds),
    cyclesPerSecond: round(cycles / wallSeconds),
    heapMb: gc
      ? { afterWarmup: round(afterWarmup), max: round(maxHeap), final: round(finalHeap), growth: round(finalHeap - afterWarmup) }
      : null,
    rssMb: { afterWarmup: round(rssWarm), final: round(process.memoryUsage().rss / 1_048_576) },
    firstError,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--minutes');
  const minutes = at >= 0 ? Number(args[at + 1]) : 1_440;
  const json = args.includes('--json');
  let lastPct = -1;
  const report = await runSoak({
    minutes,
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 10) * 10;
      if (!json && pct !== lastPct) {
        lastPct = pct;
        process.stderr.write(`soak: ${pct}% (${done}/${total} ticks)\n`);
      }
    },
  });
  process.stdout.write(`${JSON.stringify(report, null, json ? 0 : 2)}\n`);
  const ok = report.errors === 0 && report.identityViolations === 0 && report.cycles === report.expectedCycles;
  process.exitCode = ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
