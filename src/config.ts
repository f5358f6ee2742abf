import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { INTERVALS } from './domain/candle.js';
import { ConclaveError } from './domain/errors.js';
import { REGIMES } from './domain/regime.js';

/**
 * The one reader of process.env. Every setting has a description, a default and bounds; cross-field
 * rules are named functions below. A wrong config fails at start with every problem listed.
 */

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const intervalList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(z.array(z.enum(INTERVALS)).min(1).max(5));

const usernameList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.-]{3,32}$/, 'usernames: 3-32 letters, digits, _ . -')).max(100));

// Levels are matched case-insensitively (the seed's `.env` says `INFO`), and `warning` is Python's name for `warn`.
const logLevel = z
  .string()
  .transform((v) => {
    const level = v.trim().toLowerCase();
    return level === 'warning' ? 'warn' : level;
  })
  .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

export const PROTOCOLS = ['pipeline', 'brain', 'consensus'] as const;

export const CONFIG_FIELDS = {
  HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    doc: 'Address the API binds to. Loopback acts as the local user; any other address requires JWT_SECRET and bearer tokens.',
  },
  PORT: { schema: z.coerce.number().int().min(0).max(65_535), default: '8000', doc: 'API port (0 picks a free one).' },
  HTTP_REQUEST_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(1000).max(600_000),
    default: '30000',
    doc: 'API: a request (headers and body) not received in full within this many ms is answered 408 REQUEST_TIMEOUT and its connection closed.',
  },
  HTTP_HEADERS_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(1000).max(600_000),
    default: '10000',
    doc: 'API: request headers not received in full within this many ms are answered 408 and the connection closed (<= HTTP_REQUEST_TIMEOUT_MS).',
  },
  LOG_LEVEL: {
    schema: logLevel,
    default: 'info',
    doc: 'pino level, any case: fatal, error, warn (or warning), info, debug, trace, silent.',
  },
  LOG_FORMAT: {
    schema: z.enum(['auto', 'pretty', 'json']),
    default: 'auto',
    doc: 'Console logs: pretty lines for a person (one per cycle), json for machines; auto = pretty on a terminal, JSON otherwise. LOG_DIR files are always JSON.',
  },
  LOG_DIR: { schema: z.string(), default: '', doc: 'When set, JSON logs also go to daily files here, kept 7 days.' },
  TRADING_MODE: { schema: z.enum(['paper', 'live']), default: 'paper', doc: 'Only `paper` exists; `live` is refused.' },
  MARKET_SOURCE: {
    schema: z.string().regex(/^(binance|bybit|yahoo|synthetic|replay:.+)$/, 'one of binance, bybit, yahoo, synthetic, replay:<csv path>'),
    default: 'binance',
    doc: 'Default market-data source: binance, bybit, yahoo, synthetic (seeded, offline) or replay:<candles.csv>.',
  },
  BINANCE_BASE_URL: { schema: z.url(), default: 'https://api.binance.com', doc: 'Binance spot REST base URL (public endpoints only).' },
  BYBIT_BASE_URL: { schema: z.url(), default: 'https://api.bybit.com', doc: 'Bybit v5 REST base URL.' },
  BYBIT_CATEGORY: { schema: z.enum(['spot', 'linear']), default: 'spot', doc: 'Bybit market category for klines and tickers.' },
  YAHOO_BASE_URL: { schema: z.url(), default: 'https://query1.finance.yahoo.com', doc: 'Yahoo Finance chart API base URL (stocks).' },
  DEFAULT_SYMBOL: { schema: z.string().min(1).max(30), default: 'BTCUSDT', doc: 'Symbol used when a request names none.' },
  KLINE_INTERVAL: { schema: z.enum(INTERVALS), default: '1m', doc: 'Candle interval for cycles and training.' },
  KLINE_LIMIT: {
    schema: z.coerce.number().int().min(60).max(1000),
    default: '100',
    doc: 'Candles fetched per cycle for indicators (>= 60 so SMA-50 and the features are warm).',
  },
  REPLAY_STEP_MS: {
    schema: z.coerce.number().int().min(10).max(3_600_000),
    default: '2000',
    doc: 'MARKET_SOURCE=replay: wall-clock milliseconds per recorded candle; each step is one scheduled cycle.',
  },
  SYNTHETIC_SEED: { schema: z.coerce.number().int(), default: '42', doc: 'Seed of the synthetic market generator.' },
  HTTP_TIMEOUT_MS: { schema: z.coerce.number().int().min(100).max(120_000), default: '5000', doc: 'Timeout of each venue request.' },
  HTTP_RETRIES: {
    schema: z.coerce.number().int().min(0).max(10),
    default: '3',
    doc: 'Retries after a 5xx, timeout or 429 (backoff doubles from 200 ms; 429 waits Retry-After).',
  },
  HEALTH_FEED_FAILURES: {
    schema: z.coerce.number().int().min(1).max(1000),
    default: '3',
    doc: '/health answers 503 (market_feed down) once this many consecutive cycles failed on market data (venue unreachable, timing out, rate limited, banned, unparseable).',
  },
  MARKET_CACHE_TTL_MS: {
    schema: z.coerce.number().int().min(0).max(600_000),
    default: '1000',
    doc: 'In-memory cache of venue answers, so many watchers of one symbol cause one request.',
  },
  VENUE_DEADLINE_MS: {
    schema: z.coerce.number().int().min(100).max(600_000),
    default: '15000',
    doc: 'Total budget of one venue call (and of one Telegram report send), retries, backoff and Retry-After waits included; a 429 asking to wait past it fails at once with 503 MARKET_DATA_UNAVAILABLE.',
  },
  VENUE_MAX_RESPONSE_BYTES: {
    schema: z.coerce.number().int().min(65_536).max(268_435_456),
    default: '8388608',
    doc: 'Largest venue body read (bytes, default 8 MiB); a larger one is cut off mid-stream and answered 502 MARKET_DATA_INVALID.',
  },
  MAX_PRICE_JUMP: {
    schema: z.coerce.number().positive().max(10),
    default: '0.2',
    doc: 'Largest move (fraction, 0.2 = 20 %) a live price or the newest candle may make from the last closed candle; a bigger one halts that symbol on that venue (502 MARKET_DATA_INVALID) until a price within the bound comes back.',
  },
  MODEL_PATH: {
    schema: z.string(),
    default: '',
    doc: 'Saved model; loaded when present and compatible, else trained and saved here. Empty: DATA_DIR/<source>/model.json.',
  },
  LABEL_THRESHOLD: {
    schema: z.coerce.number().positive().max(0.5),
    default: '0.001',
    doc: 'Label rule: next-bar return > +X -> BUY, < -X -> SELL, else HOLD (fraction, 0.001 = 0.1%).',
  },
  TRAINING_CANDLES: {
    schema: z.coerce.number().int().min(200).max(500_000),
    default: '1000',
    doc: 'Candles paged from the venue to train the model at start-up.',
  },
  MODEL_TREES: { schema: z.coerce.number().int().min(1).max(1000), default: '100', doc: 'Trees in the random forest.' },
  MODEL_MAX_DEPTH: { schema: z.coerce.number().int().min(1).max(64), default: '10', doc: 'Maximum depth of each tree.' },
  MODEL_SEED: {
    schema: z.coerce.number().int(),
    default: '42',
    doc: 'Seed of bootstrap and feature sampling (same data + seed = same model).',
  },
  RESEARCH_THREADS: {
    schema: z.coerce.number().int().min(0).max(64),
    default: '0',
    doc: 'Worker threads for research (walk-forward windows, Monte Carlo runs, gate candidates): 0 = one per core, 1 = in-process. Results are identical for every setting.',
  },
  MIN_CONFIDENCE: {
    schema: z.coerce.number().min(0).max(1),
    default: '0',
    doc: 'Decisions below this confidence become HOLD (confidence gate).',
  },
  SLIPPAGE_BPS: {
    schema: z.coerce.number().min(0).max(1000),
    default: '5',
    doc: 'Paper fill slippage in basis points, against the trader.',
  },
  FEE_BPS: { schema: z.coerce.number().min(0).max(1000), default: '10', doc: 'Paper fee in basis points of notional.' },
  STARTING_CAPITAL: {
    schema: z.coerce.number().positive().max(1e12),
    default: '10000',
    doc: 'Paper account starting cash (quote currency, USDT).',
  },
  ORDER_FRACTION: {
    schema: z.coerce.number().positive().max(1),
    default: '0.1',
    doc: 'Fixed-fraction sizing: each BUY spends this fraction of equity.',
  },
  QUANTITY_STEP: {
    schema: z.coerce.number().positive(),
    default: '0.00001',
    doc: 'Venue quantity step; every order quantity is rounded down to it.',
  },
  ALLOW_SHORT: { schema: bool, default: 'false', doc: 'Allow SELL without a position (short). Spot is long-only by default.' },
  PROTOCOL: {
    schema: z.enum(PROTOCOLS),
    default: 'pipeline',
    doc: 'Coordination protocol: pipeline (seed), brain, consensus.',
  },
  MAX_DAILY_LOSS: {
    schema: z.coerce.number().positive().max(1),
    default: '0.05',
    doc: 'Risk governor: halt when equity falls this fraction below the UTC day start equity (0.05 = 5%); lifts at the next UTC day or on resume.',
  },
  MAX_DRAWDOWN: {
    schema: z.coerce.number().positive().max(1),
    default: '0.2',
    doc: 'Risk governor: halt when equity falls this fraction below its peak; only an operator resume lifts it.',
  },
  RISK_REDUCE_AT: {
    schema: z.coerce.number().positive().max(1),
    default: '0.5',
    doc: 'Risk governor: at this fraction of the daily-loss or drawdown limit the state is REDUCING (only orders that shrink a position pass).',
  },
  MAX_EXPOSURE: {
    schema: z.coerce.number().positive().max(10),
    default: '1',
    doc: 'Risk governor: gross exposure (sum of |position value|) after an order, as a fraction of equity.',
  },
  MAX_POSITION_PER_SYMBOL: {
    schema: z.coerce.number().positive().max(10),
    default: '0.5',
    doc: "Risk governor: one symbol's position value after an order, as a fraction of equity.",
  },
  MAX_ORDERS_PER_MINUTE: {
    schema: z.coerce.number().int().min(1).max(10_000),
    default: '30',
    doc: 'Risk governor: orders approved per account in any 60 s of clock time; more are denied (ORDER_RATE).',
  },
  MAX_ENTRIES_PER_POSITION: {
    schema: z.coerce.number().int().min(1).max(100),
    default: '1',
    doc: 'Entries a position may take (the opening fill plus adds in the same direction); a BUY while long beyond it is HOLD. 1 = no pyramiding, in every protocol and in backtests.',
  },
  SIZING_MODE: {
    schema: z.enum(['fixed', 'risk']),
    default: 'fixed',
    doc: 'Sizing of every protocol and backtest: fixed (ORDER_FRACTION of equity) or risk (RISK_PER_TRADE of equity lost at the ATR stop).',
  },
  RISK_PER_TRADE: {
    schema: z.coerce.number().positive().max(0.2),
    default: '0.01',
    doc: 'Risk-per-trade sizing: fraction of equity lost if the stop is hit (0.01 = 1%).',
  },
  ATR_PERIOD: { schema: z.coerce.number().int().min(2).max(500), default: '14', doc: 'ATR period for stop distances.' },
  ATR_STOP_MULT: {
    schema: z.coerce.number().min(0).max(50),
    default: '2',
    doc: 'Stop-loss distance in ATRs below a long entry (0 = no stop-loss; risk sizing then falls back to fixed).',
  },
  TAKE_PROFIT_R: {
    schema: z.coerce.number().min(0).max(50),
    default: '2',
    doc: 'Take-profit distance as a multiple of the stop distance (R); 0 = no take-profit.',
  },
  ENABLE_MAP_PATH: {
    schema: z.string().min(1),
    default: './config/enable-map.yaml',
    doc: 'brain protocol: YAML map regime -> enabled strategies, with the selection cooldown.',
  },
  REGIME_TREND_WINDOW: {
    schema: z.coerce.number().int().min(5).max(500),
    default: '48',
    doc: 'Regime: bars of the trend measure (log return over the window / its expected noise).',
  },
  REGIME_VOL_WINDOW: {
    schema: z.coerce.number().int().min(5).max(500),
    default: '24',
    doc: 'Regime: bars of the realised-volatility window whose percentile marks HIGH_VOL.',
  },
  REGIME_CONFIRM_BARS: {
    schema: z.coerce.number().int().min(1).max(100),
    default: '3',
    doc: 'Regime hysteresis: a new regime must be seen on this many consecutive cycles before it is adopted.',
  },
  CONSENSUS_VOTERS: {
    schema: z.string().regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, 'comma-separated strategy names'),
    default: 'ml-classifier,sma-cross,breakout,mean-reversion',
    doc: 'consensus protocol: strategies that vote (each one voter).',
  },
  CONSENSUS_LLM_VOTER: {
    schema: bool,
    default: 'false',
    doc: 'consensus protocol: the LLM analyst (LLM_BASE_URL, LLM_API_KEY) votes too, one LLM request per cycle; on any LLM failure it votes HOLD with weight 0.',
  },
  CONSENSUS_MIN_AGREEMENT: {
    schema: z.coerce.number().min(0).max(1),
    default: '0.5',
    doc: 'consensus protocol: weighted share the winning action needs (strictly more than this), else HOLD.',
  },
  DATABASE_URL: {
    schema: z.string(),
    default: '',
    doc: 'SQLite file ending in .db/.sqlite/.sqlite3 (plain path, sqlite:///relative.db, sqlite:////absolute.db) or postgres://...; its directory must exist unless it is DATA_DIR. Empty: DATA_DIR/<source>/conclave.db, one database per market source (see Persistence), created on demand.',
  },
  RETENTION_DAYS: {
    schema: z.coerce.number().int().min(0).max(3650),
    default: '30',
    doc: 'Maintenance deletes the agent messages and snapshot features of cycles older than this many days (cycles, decisions, orders, trades and equity are kept); 0 keeps everything.',
  },
  MAINTENANCE_INTERVAL_H: {
    schema: z.coerce.number().min(0).max(720),
    default: '24',
    doc: '`conclave serve` runs maintenance (RETENTION_DAYS compaction, then VACUUM) 10 minutes after start and every this many hours; 0 = never (run `conclave db vacuum` yourself).',
  },
  REDIS_URL: { schema: z.string(), default: '', doc: 'When set, cycles run as BullMQ jobs taken by `conclave worker` processes.' },
  REDIS_CONNECT_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(100).max(120_000),
    default: '5000',
    doc: 'With REDIS_URL: `serve` and `worker` exit with QUEUE_UNAVAILABLE when Redis does not answer a PING within this many ms at start-up.',
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    schema: z.coerce.number().int().min(100).max(60_000),
    default: '2000',
    doc: "With REDIS_URL: deadline of every Redis command of `serve` and `worker` after start-up (locks, counters, enqueueing, queue depth); past it, or while Redis is disconnected, run-cycle answers 503 QUEUE_UNAVAILABLE and /health reports `queue` down. BullMQ workers' blocking reads are exempt.",
  },
  JWT_SECRET: {
    schema: z.string(),
    default: '',
    doc: 'HMAC secret for access tokens; required when HOST is not loopback. On loopback without it, a secret is made once and kept in DATA_DIR/jwt-secret (mode 0600).',
  },
  METRICS_TOKEN: {
    schema: z.string(),
    default: '',
    doc: 'Static bearer token Prometheus uses to scrape /metrics when HOST is not loopback (Authorization: Bearer <token>); the only credential /metrics takes there.',
  },
  OPERATORS: {
    schema: usernameList,
    default: '',
    doc: 'Comma-separated usernames (any case) that are operators: they may replace the enable map and run the shared scan. Also `conclave user grant-operator`. On loopback the local user is one.',
  },
  ACCESS_TOKEN_TTL_S: { schema: z.coerce.number().int().min(60), default: '900', doc: 'Access token lifetime.' },
  REFRESH_TOKEN_TTL_S: { schema: z.coerce.number().int().min(300), default: '1209600', doc: 'Refresh token lifetime.' },
  AUTH_RATE_LIMIT: {
    schema: z.coerce.number().int().min(1).max(100_000),
    default: '20',
    doc: 'Requests per minute per client IP on each of /api/auth/register, /login and /refresh (429 beyond).',
  },
  WS_MAX_BUFFERED_BYTES: {
    schema: z.coerce.number().int().min(1024).max(1_073_741_824),
    default: '1048576',
    doc: 'A WebSocket client with more unsent bytes than this loses new messages (counted) until it catches up.',
  },
  REPORTS_DIR: { schema: z.string().min(1), default: './reports', doc: 'Where run reports are written.' },
  DATA_DIR: { schema: z.string().min(1), default: './data', doc: 'Where scanner outputs and the default SQLite file live.' },
  PROMPTS_DIR: {
    schema: z.string(),
    default: '',
    doc: 'Folder of the LLM system prompts (scanner-ranking.md, llm-voter.md), read at start-up; empty = the prompts/ shipped with Conclave.',
  },
  LLM_BASE_URL: {
    schema: z.string(),
    default: '',
    doc: 'OpenAI-compatible chat completions base URL (e.g. https://dashscope-intl.aliyuncs.com/compatible-mode/v1).',
  },
  LLM_API_KEY: { schema: z.string(), default: '', doc: 'LLM API key; without it the scanner ranks deterministically and says so.' },
  LLM_MODEL: { schema: z.string(), default: 'qwen-plus', doc: 'LLM model name.' },
  TELEGRAM_BOT_TOKEN: { schema: z.string(), default: '', doc: 'Telegram bot token for sending scanner reports (optional).' },
  TELEGRAM_CHAT_ID: { schema: z.string(), default: '', doc: 'Telegram chat id for scanner reports.' },
  TELEGRAM_BASE_URL: { schema: z.url(), default: 'https://api.telegram.org', doc: 'Telegram Bot API base URL.' },
  LLM_TIMEOUT_MS: { schema: z.coerce.number().int().min(1000).max(600_000), default: '60000', doc: 'Timeout of each LLM request attempt.' },
  LLM_DEADLINE_MS: {
    schema: z.coerce.number().int().min(1000).max(1_800_000),
    default: '120000',
    doc: 'Total budget of one LLM request, retries, backoff and Retry-After waits included; past it the request fails with LLM_UNAVAILABLE (the scanner ranks deterministically, the consensus voter votes HOLD).',
  },
  LLM_MAX_RESPONSE_BYTES: {
    schema: z.coerce.number().int().min(65_536).max(67_108_864),
    default: '1048576',
    doc: 'Largest LLM answer read (bytes, default 1 MiB); a larger one is cut off mid-stream and fails with LLM_UNAVAILABLE.',
  },
  LLM_INPUT_USD_PER_MTOK: {
    schema: z.coerce.number().min(0),
    default: '0',
    doc: 'LLM price per million prompt tokens, for the cost log (0 = unknown).',
  },
  LLM_OUTPUT_USD_PER_MTOK: {
    schema: z.coerce.number().min(0),
    default: '0',
    doc: 'LLM price per million completion tokens (0 = unknown).',
  },
  SCAN_VENUE: {
    schema: z.enum(['', 'binance', 'bybit']),
    default: '',
    doc: 'Crypto venue the scanner reads (binance or bybit); empty = the crypto venue of MARKET_SOURCE (bybit when MARKET_SOURCE=bybit, else binance).',
  },
  SCAN_SYMBOLS: {
    schema: z.string(),
    default: '',
    doc: "Comma-separated symbols to scan; empty = the venue's top SCAN_UNIVERSE USDT pairs by 24 h quote volume.",
  },
  SCAN_UNIVERSE: { schema: z.coerce.number().int().min(1).max(500), default: '30', doc: 'Universe size when SCAN_SYMBOLS is empty.' },
  SCAN_TIMEFRAMES: { schema: intervalList, default: '15m,1h,4h', doc: 'Timeframes analysed per candidate (comma-separated).' },
  SCAN_SIGNAL_TIMEFRAME: {
    schema: z.enum(INTERVALS),
    default: '1h',
    doc: 'Timeframe the detectors scan the universe on; one of SCAN_TIMEFRAMES.',
  },
  SCAN_CANDLES: {
    schema: z.coerce.number().int().min(100).max(1000),
    default: '1000',
    doc: 'Candles per symbol and timeframe (history for calibration).',
  },
  SCAN_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(10),
    default: '10',
    doc: 'Venue requests in flight at most during a scan.',
  },
  SCAN_TOP_N: { schema: z.coerce.number().int().min(1).max(10), default: '3', doc: 'Opportunities published at most.' },
  SCAN_MIN_CONFLUENCE: { schema: z.coerce.number().min(0).max(10), default: '8', doc: 'Filter: confluence score >= this (0-10).' },
  SCAN_MIN_PROBABILITY: {
    schema: z.coerce.number().min(0).max(1),
    default: '0.7',
    doc: 'Filter: calibrated target-before-stop rate >= this (fraction, 0.7 = 70%).',
  },
  SCAN_MIN_RR: { schema: z.coerce.number().min(0).max(100), default: '2', doc: 'Filter: reward/risk >= this.' },
  SCAN_MIN_ALIGNED: {
    schema: z.coerce.number().int().min(0).max(5),
    default: '0',
    doc: 'Filter: aligned timeframes >= this; 0 = all of them.',
  },
  SCAN_MIN_SAMPLE: {
    schema: z.coerce.number().int().min(1).max(1000),
    default: '20',
    doc: 'Past occurrences needed before a probability counts; fewer fail the probability filter.',
  },
  SCAN_STOP_ATR: { schema: z.coerce.number().positive().max(20), default: '1.5', doc: 'Stop distance below entry in ATR(14) multiples.' },
  SCAN_MAX_HOLD_BARS: {
    schema: z.coerce.number().int().min(1).max(1000),
    default: '48',
    doc: 'Calibration: bars a past setup gets to reach target or stop.',
  },
  RESEARCH_DSR_CONFIDENCE: {
    schema: z.coerce.number().min(0.5).max(0.9999),
    default: '0.95',
    doc: 'Research verdict: the deflated Sharpe ratio of the selected trial (a probability, given every trial tried) must reach this.',
  },
  RESEARCH_MAX_PBO: {
    schema: z.coerce.number().min(0).max(1),
    default: '0.5',
    doc: 'Research verdict: the probability of backtest overfitting (CSCV) must stay below this.',
  },
  RESEARCH_SCHEDULE: {
    schema: z.string().regex(/^(|[1-9]\d*(m|h|d))$/, 'empty (off) or a duration of at least 1m like 12h, 1d, 90m'),
    default: '',
    doc: 'The research agent: every this long (e.g. 1d) serve runs one campaign per traded symbol over its newest stored candles and proposes a PASSED candidate as a challenger; empty = off.',
  },
  RESEARCH_STRATEGY: {
    // The names of strategies/registry.ts STRATEGY_NAMES (a test keeps them equal; config stays free of strategy code).
    schema: z.enum(['ml-classifier', 'sma-cross', 'breakout', 'mean-reversion']),
    default: 'sma-cross',
    doc: 'The research agent: the strategy whose parameters its scheduled campaigns search (pipeline protocol, like challengers).',
  },
  RESEARCH_TRIALS: {
    schema: z.coerce.number().int().min(1).max(100_000),
    default: '100',
    doc: 'The research agent: trials per scheduled campaign (TPE search, pruning on).',
  },
  RESEARCH_WINDOWS: {
    schema: z.coerce.number().int().min(1).max(100),
    default: '6',
    doc: 'The research agent: walk-forward windows per scheduled campaign.',
  },
  RESEARCH_CANDLES: {
    schema: z.coerce.number().int().min(200).max(1_000_000),
    default: '8760',
    doc: 'The research agent: newest stored KLINE_INTERVAL candles per symbol a scheduled campaign reads (conclave data download stores them).',
  },
  RESEARCH_CHALLENGER_DAYS: {
    schema: z.coerce.number().positive().max(365),
    default: '14',
    doc: 'Champion/challenger: days a PASSED candidate paper-trades in shadow (by the trading clock, so a replay counts recorded time) before it is promoted or retired.',
  },
  RESEARCH_PROMOTE_REGIMES: {
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0),
      )
      .pipe(z.array(z.enum(REGIMES)).min(1).max(REGIMES.length)),
    default: 'BULL,BEAR,RANGE',
    doc: 'Champion/challenger: regimes of the enable map a promoted strategy is switched on in (comma-separated), with its researched parameters.',
  },
} as const;

type Fields = typeof CONFIG_FIELDS;
type FieldName = keyof Fields;
export type RawConfig = { readonly [K in FieldName]: z.output<Fields[K]['schema']> };

export type DatabaseTarget = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

export interface AppConfig extends RawConfig {
  readonly database: DatabaseTarget;
  readonly isLoopback: boolean;
  /** The folder under DATA_DIR that holds this market source's default database and model (`binance`, `replay-BTCUSDT_1h`). */
  readonly stateScope: string;
}

/**
 * The market source's own folder under DATA_DIR. Books, schedules and models never mix sources: a replay's
 * 2018 positions would otherwise be marked at 2026 prices, and a schedule stored under one clock would wait
 * for boundaries another clock never reaches. Different data behind the same venue name (Bybit linear, a
 * synthetic seed, a recording) is a different source.
 */
export function stateScope(c: Pick<RawConfig, 'MARKET_SOURCE' | 'BYBIT_CATEGORY' | 'SYNTHETIC_SEED'>): string {
  const source = c.MARKET_SOURCE;
  if (source.startsWith('replay:')) {
    const name = basename(source.slice('replay:'.length))
      .replace(/\.gz$/i, '')
      .replace(/\.csv$/i, '');
    return `replay-${name.replace(/[^A-Za-z0-9._-]/g, '_') || 'file'}`;
  }
  if (source === 'bybit' && c.BYBIT_CATEGORY === 'linear') return 'bybit-linear';
  if (source === 'synthetic') return `synthetic-${c.SYNTHETIC_SEED}`;
  return source;
}

const SQLITE_FILE = /\.(db|sqlite|sqlite3)$/i;

/**
 * Parses the seed's DATABASE_URL forms: a plain path, `sqlite:///relative.db` (three slashes: relative),
 * `sqlite:////absolute.db` (four: absolute), `:memory:`, and `postgres://` / `postgresql://`.
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (url === ':memory:' || url === 'sqlite://:memory:' || url === 'sqlite:///:memory:') return { kind: 'sqlite', path: ':memory:' };
  let path = url;
  if (url.startsWith('sqlite:///')) path = url.slice('sqlite:///'.length);
  else if (url.startsWith('sqlite://')) path = url.slice('sqlite://'.length);
  else if (/^[a-z]+:\/\//i.test(url)) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `DATABASE_URL: expected a file path, sqlite:///file.db or postgres://..., got scheme of "${url}"`,
      { field: 'DATABASE_URL' },
    );
  }
  if (path.length === 0) throw new ConclaveError('CONFIG_INVALID', 'DATABASE_URL: empty SQLite path', { field: 'DATABASE_URL' });
  // A typo (`DATABASE_URL=garbage`, a URL without its scheme) would otherwise become a database file of that name.
  if (!SQLITE_FILE.test(path)) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `DATABASE_URL=${url}: expected postgres://..., :memory:, or a SQLite file ending in .db, .sqlite or .sqlite3`,
      { field: 'DATABASE_URL' },
    );
  }
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Cross-field rules: each returns a problem or null. */
const RULES: ReadonlyArray<(c: RawConfig) => string | null> = [
  function paperOnly(c) {
    return c.TRADING_MODE === 'live' ? 'TRADING_MODE=live is refused: this version has no live broker, only paper trading' : null;
  },
  function secretOffLoopback(c) {
    return !isLoopbackHost(c.HOST) && c.JWT_SECRET.length < 16
      ? `HOST=${c.HOST} is not loopback: set JWT_SECRET (at least 16 characters) so every route requires a bearer token`
      : null;
  },
  function headersWithinRequestDeadline(c) {
    return c.HTTP_HEADERS_TIMEOUT_MS > c.HTTP_REQUEST_TIMEOUT_MS
      ? `HTTP_HEADERS_TIMEOUT_MS=${c.HTTP_HEADERS_TIMEOUT_MS} must not exceed HTTP_REQUEST_TIMEOUT_MS=${c.HTTP_REQUEST_TIMEOUT_MS}`
      : null;
  },
  function replayFileExists(c) {
    if (!c.MARKET_SOURCE.startsWith('replay:')) return null;
    const file = c.MARKET_SOURCE.slice('replay:'.length);
    return existsSync(file) ? null : `MARKET_SOURCE=${c.MARKET_SOURCE}: file not found: ${file}`;
  },
  function venueDeadlineFitsAnAttempt(c) {
    return c.VENUE_DEADLINE_MS < c.HTTP_TIMEOUT_MS
      ? `VENUE_DEADLINE_MS=${c.VENUE_DEADLINE_MS} is shorter than HTTP_TIMEOUT_MS=${c.HTTP_TIMEOUT_MS}: one attempt could not use its own timeout`
      : null;
  },
  function regimeFitsCandleWindow(c) {
    const need = Math.max(c.REGIME_TREND_WINDOW + 1, 2 * c.REGIME_VOL_WINDOW + 1);
    return need > c.KLINE_LIMIT
      ? `KLINE_LIMIT=${c.KLINE_LIMIT} is too small for the regime windows: need at least ${need} (REGIME_TREND_WINDOW + 1 and 2 * REGIME_VOL_WINDOW + 1)`
      : null;
  },
  function scanSignalInTimeframes(c) {
    return c.SCAN_TIMEFRAMES.includes(c.SCAN_SIGNAL_TIMEFRAME)
      ? null
      : `SCAN_SIGNAL_TIMEFRAME=${c.SCAN_SIGNAL_TIMEFRAME} must be one of SCAN_TIMEFRAMES (${c.SCAN_TIMEFRAMES.join(',')})`;
  },
  function llmVoterNeedsLlm(c) {
    return c.CONSENSUS_LLM_VOTER && (!c.LLM_BASE_URL || !c.LLM_API_KEY)
      ? 'CONSENSUS_LLM_VOTER=true needs LLM_BASE_URL and LLM_API_KEY'
      : null;
  },
  function llmDeadlineFitsAnAttempt(c) {
    return c.LLM_DEADLINE_MS < c.LLM_TIMEOUT_MS
      ? `LLM_DEADLINE_MS=${c.LLM_DEADLINE_MS} is shorter than LLM_TIMEOUT_MS=${c.LLM_TIMEOUT_MS}: one attempt could not use its own timeout`
      : null;
  },
  function llmNeedsUrlWithKey(c) {
    return c.LLM_API_KEY && !c.LLM_BASE_URL ? 'LLM_API_KEY is set but LLM_BASE_URL is empty' : null;
  },
];

/** A setting name of the config table. */
export type ConfigFieldName = FieldName;

export function isConfigField(name: string): name is FieldName {
  return Object.hasOwn(CONFIG_FIELDS, name);
}

/**
 * `config` with some settings replaced (a backtest's flags or API body), each validated by its field's schema
 * and the whole by the cross-field rules, exactly as at start-up.
 * @throws ConclaveError VALIDATION_ERROR naming the first bad setting (details.field) and every problem.
 */
export function withOverrides(config: AppConfig, overrides: Readonly<Partial<Record<FieldName, string | number | boolean>>>): AppConfig {
  const problems: string[] = [];
  const fields: string[] = [];
  const raw: Record<string, unknown> = { ...config };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!isConfigField(name)) {
      problems.push(`${name}: not a setting of the config table`);
      fields.push(name);
      continue;
    }
    const parsed = CONFIG_FIELDS[name].schema.safeParse(String(value));
    if (parsed.success) raw[name] = parsed.data;
    else {
      problems.push(`${name}=${JSON.stringify(value)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      fields.push(name);
    }
  }
  if (problems.length === 0) {
    for (const rule of RULES) {
      const problem = rule(raw as RawConfig);
      if (problem) problems.push(problem);
    }
  }
  if (problems.length > 0) {
    throw new ConclaveError('VALIDATION_ERROR', `Invalid settings: ${problems.join('; ')}`, { field: fields[0] ?? null, problems });
  }
  return Object.freeze(raw as unknown as AppConfig);
}

/**
 * The SQLite file's directory must exist, except DATA_DIR itself, which the store creates: a path under a
 * missing directory is more likely a typo than a wish for a new directory tree.
 */
function sqliteDirectoryExists(database: DatabaseTarget, dataDir: string): string | null {
  if (database.kind !== 'sqlite' || database.path === ':memory:') return null;
  const dir = dirname(database.path);
  if (existsSync(dir) || resolve(dir) === resolve(dataDir)) return null;
  return `DATABASE_URL: directory ${dir} does not exist; create it, or put the database in DATA_DIR (${dataDir}), which is created on demand`;
}

/** Reads `.env` (if present) under the real environment, which wins. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * Validates `env` once and returns a frozen config.
 * @throws ConclaveError CONFIG_INVALID listing every problem.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(CONFIG_FIELDS) as [FieldName, Fields[FieldName]][]) {
    const value = env[name] === undefined || env[name] === '' ? field.default : env[name];
    const parsed = field.schema.safeParse(value);
    if (parsed.success) raw[name] = parsed.data;
    else problems.push(`${name}=${JSON.stringify(value)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length === 0) {
    for (const rule of RULES) {
      const problem = rule(raw as RawConfig);
      if (problem) problems.push(problem);
    }
  }
  let database: DatabaseTarget | undefined;
  const scope = problems.length === 0 ? stateScope(raw as RawConfig) : '';
  const dataDir = raw.DATA_DIR as string;
  if (problems.length === 0) {
    try {
      database = parseDatabaseUrl((raw.DATABASE_URL as string) || join(dataDir, scope, 'conclave.db'));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  // The per-source default lives under DATA_DIR and is created on demand; only a path the user typed is checked.
  if (database && raw.DATABASE_URL) {
    const problem = sqliteDirectoryExists(database, raw.DATA_DIR as string);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0 || !database) {
    throw new ConclaveError('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { problems });
  }
  const config: AppConfig = {
    ...(raw as RawConfig),
    MODEL_PATH: (raw.MODEL_PATH as string) || join(dataDir, scope, 'model.json'),
    database,
    isLoopback: isLoopbackHost(raw.HOST as string),
    stateScope: scope,
  };
  return Object.freeze(config);
}
