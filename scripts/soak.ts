/**
 * Soak: the embedded scheduler drives the real engine (brain protocol by default: regime, strategy selection,
 * strategies, risk governor, paper broker, SQLite store) over recorded Bybit 1m candles of 20 symbols at
 * accelerated speed: a SimClock steps from candle close to candle close and every tick runs one cycle per symbol.
 * Checks after every cycle: no error, the equity identity (cash + sum of position value = equity); and, with
 * --expose-gc, heap and RSS growth after warm-up (the first 20 % of the ticks).
 *
 * The shared data has 1m recordings of 7 Bybit symbols (ADA BNB BTC DOGE DOT ETH SOL). The other 13 are those
 * recordings replayed from later days (2 and 4 days on), time-shifted in memory onto the soak's day and named
 * `<BASE><n>USDT` (BTC2USDT = BTCUSDT two days later): real candles, different paths, no file copied.
 *
 *   node --expose-gc --import tsx scripts/soak.ts                          # 24 h: 1,440 ticks x 20 symbols
 *   node --expose-gc --import tsx scripts/soak.ts --minutes 60 --symbols 5 --json
 *   node --expose-gc --import tsx scripts/soak.ts --protocol pipeline
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import type { Candle } from '../src/domain/candle.js';
import { SimClock } from '../src/engine/clock.js';
import { AsOf, AsOfReplaySource } from '../src/engine/queue/as-of.js';
import { Scheduler, type StoredSchedule } from '../src/engine/scheduler.js';
import { LOCAL_USER_ID } from '../src/engine/trading-engine.js';
import { candlesToColumns, readCandlesCsv } from '../src/market/csv-candles.js';
import { trainModel } from '../src/ml/model.js';
import { createRuntime } from '../src/runtime.js';

const MIN = 60_000;
const DAY = 86_400_000;
/** The Bybit linear 1m recordings in the shared data (2025-05-29 .. 2025-06-29, gap-free). */
export const RECORDED_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'DOGEUSDT', 'ADAUSDT', 'DOTUSDT'] as const;
/** 2025-06-10T00:00:00Z: inside the gap-free Bybit 1m recordings, with 4 + 1 days of later data for the shifted copies. */
export const SOAK_START = Date.UTC(2025, 5, 10);
export const SOAK_PROTOCOLS = ['brain', 'pipeline', 'consensus'] as const;

/** Symbol i of the soak: the 7 recordings, then each replayed 2 days later, then 4 days later. */
export function soakSymbol(i: number): { readonly symbol: string; readonly recording: string; readonly shiftDays: number } {
  const recording = RECORDED_SYMBOLS[i % RECORDED_SYMBOLS.length];
  const round = Math.floor(i / RECORDED_SYMBOLS.length);
  if (round === 0) return { symbol: recording, recording, shiftDays: 0 };
  const shiftDays = 2 * round;
  return { symbol: `${recording.replace(/USDT$/, '')}${shiftDays}USDT`, recording, shiftDays };
}

function shifted(candles: readonly Candle[], days: number): Candle[] {
  if (days === 0) return [...candles];
  const by = days * DAY;
  return candles.map((c) => ({ ...c, openTime: c.openTime - by, closeTime: c.closeTime - by }));
}

export interface SoakOptions {
  /** Ticks (1m candle closes) to run; each runs one cycle per symbol (default 1,440 = 24 h). */
  readonly minutes?: number;
  /** The shared data folder (default ../shared/data beside the repository). */
  readonly dataDir?: string;
  /** Heap samples start after this share of the ticks (default 0.2). */
  readonly warmup?: number;
  /** Symbols traded at once, 1..21 (default 20). */
  readonly symbols?: number;
  readonly protocol?: (typeof SOAK_PROTOCOLS)[number];
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
  /** Resident set (MB, after a GC when available): end of warm-up, largest sample after it, end; growth in %. */
  readonly rssMb: { readonly afterWarmup: number; readonly max: number; readonly final: number; readonly growthPct: number };
  readonly protocol: string;
  readonly symbolNames: readonly string[];
  readonly firstError: string | null;
}

/** Runs the soak and returns its figures (does not judge them). */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const minutes = options.minutes ?? 1_440;
  const count = options.symbols ?? 20;
  if (!(Number.isInteger(count) && count >= 1 && count <= 3 * RECORDED_SYMBOLS.length)) {
    throw new Error(`soak: symbols must be 1..${3 * RECORDED_SYMBOLS.length}, got ${count}`);
  }
  const protocol = options.protocol ?? 'brain';
  const dataDir = options.dataDir ?? process.env.CONCLAVE_SHARED_DATA ?? resolve(import.meta.dirname, '../../shared/data');
  const dir = mkdtempSync(join(tmpdir(), 'conclave-soak-'));
  const file = (symbol: string) => join(dataDir, 'klines', 'bybit-linear', `${symbol}_1m.csv`);
  const recorded = new Map(RECORDED_SYMBOLS.map((s) => [s, readCandlesCsv(file(s))]));
  const specs = Array.from({ length: count }, (_, i) => soakSymbol(i));
  const symbols = specs.map((x) => x.symbol);
  const series = specs.map((x) => ({
    symbol: x.symbol,
    interval: '1m' as const,
    candles: candlesToColumns(shifted(recorded.get(x.recording as (typeof RECORDED_SYMBOLS)[number]) ?? [], x.shiftDays)),
  }));
  const asOf = new AsOf();
  const source = new AsOfReplaySource({ series }, asOf);
  const history = (recorded.get('BTCUSDT') ?? []).filter((c) => c.closeTime < SOAK_START - 200 * MIN);
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
    PROTOCOL: protocol,
    // Every symbol holds at most 1/20 of the book and an entry spends 4 % of equity, so all 20 can hold positions
    // at once and the exposure limit still bites.
    MAX_POSITION_PER_SYMBOL: '0.05',
    ORDER_FRACTION: '0.04',
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
    symbols: async () => symbols,
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
  // Called right after heap(): the resident set once the collector has run, so it is not a GC-timing artefact.
  const rss = () => process.memoryUsage().rss / 1_048_576;
  const warmupTicks = Math.floor(minutes * (options.warmup ?? 0.2));
  const sampleEvery = Math.max(1, Math.floor(minutes / 40));
  let afterWarmup = 0;
  let maxHeap = 0;
  let rssWarm = 0;
  let maxRss = 0;
  const started = performance.now();
  for (let i = 0; i < minutes; i++) {
    // The close of candle i (the first one opens at SOAK_START): its cycles see it as the newest candle.
    const t = SOAK_START + (i + 1) * MIN;
    clock.set(t);
    await asOf.run(t, () => scheduler.tick(t));
    if (i + 1 === warmupTicks) {
      afterWarmup = heap();
      maxHeap = afterWarmup;
      rssWarm = rss();
      maxRss = rssWarm;
    } else if (i + 1 > warmupTicks && (i + 1) % sampleEvery === 0) {
      maxHeap = Math.max(maxHeap, heap());
      maxRss = Math.max(maxRss, rss());
    }
    options.onProgress?.(i + 1, minutes);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const finalHeap = heap();
  const finalRss = rss();
  maxHeap = Math.max(maxHeap, finalHeap);
  maxRss = Math.max(maxRss, finalRss);
  const status = await scheduler.status(LOCAL_USER_ID);
  await scheduler.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    ticks: minutes,
    symbols: symbols.length,
    cycles,
    expectedCycles: minutes * symbols.length,
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
    rssMb: {
      afterWarmup: round(rssWarm),
      max: round(maxRss),
      final: round(finalRss),
      growthPct: round(((maxRss - rssWarm) / rssWarm) * 100),
    },
    firstError,
    protocol,
    symbolNames: symbols,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, symbols: { type: 'string' }, protocol: { type: 'string' }, json: { type: 'boolean' } },
  });
  const minutes = values.minutes === undefined ? 1_440 : Number(values.minutes);
  if (!(Number.isInteger(minutes) && minutes >= 5 && minutes <= 20_000))
    throw new Error(`--minutes: expected 5..20000, got "${values.minutes}"`);
  const protocol = (values.protocol ?? 'brain') as (typeof SOAK_PROTOCOLS)[number];
  if (!SOAK_PROTOCOLS.includes(protocol))
    throw new Error(`--protocol: expected one of ${SOAK_PROTOCOLS.join(', ')}, got "${values.protocol}"`);
  const json = values.json ?? false;
  let lastPct = -1;
  const report = await runSoak({
    minutes,
    symbols: values.symbols === undefined ? undefined : Number(values.symbols),
    protocol,
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 10) * 10;
      if (!json && pct !== lastPct) {
        lastPct = pct;
        process.stderr.write(`soak: ${pct}% (${done}/${total} ticks)\n`);
      }
    },
  });
  process.stdout.write(`${JSON.stringify(report, null, json ? 0 : 2)}\n`);
  process.exitCode = soakPassed(report) ? 0 : 1;
}

/** The soak's verdict: every cycle ran, none failed, the identity held, and (with --expose-gc) RSS grew < 10 %. */
export function soakPassed(report: SoakReport): boolean {
  const rssOk = report.heapMb === null || report.rssMb.growthPct < 10;
  return (
    report.errors === 0 && report.identityViolations === 0 && report.cycles === report.expectedCycles && report.missedTicks === 0 && rssOk
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
