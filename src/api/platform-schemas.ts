import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/password-policy.js';
import { ACTIONS } from '../domain/action.js';
import { type Candle, INTERVALS } from '../domain/candle.js';
import { iso } from '../engine/cycle-response.js';

/**
 * Requests and responses of the platform API (`/api/...`): one source for validation and OpenAPI. Field
 * names are snake_case like the seed contract; times are ISO-8601 UTC.
 */

export const BEARER = [{ bearer: [] }];

/** A symbol as a user types it: BTCUSDT, btc, BTC/USDT, btc-usdt, AAPL, ORCL.US, ^GSPC. */
export const SymbolInput = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.\-/_:^]{1,24}$/, 'symbol must be 1-24 letters, digits or . - / _ : ^, e.g. BTCUSDT, BTC/USDT, AAPL')
  .meta({ example: 'BTCUSDT' });

const T = '2025-11-29T14:00:00.000Z';

/** A time in a query: epoch milliseconds or an ISO-8601 date(-time). */
export const TimeParam = z
  .string()
  .regex(/^(\d{1,15}|\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$/, 'expected epoch milliseconds or an ISO-8601 time')
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .pipe(z.number().refine(Number.isFinite, 'not a valid time'))
  .meta({ example: T });

// ---- auth ----

export const RegisterBody = z
  .object({
    username: z
      .string()
      .min(3)
      .max(32)
      .regex(/^[A-Za-z0-9_.-]+$/, 'username: letters, digits, _ . - only'),
    email: z.email().max(254),
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `password must have at least ${MIN_PASSWORD_LENGTH} characters`)
      .max(MAX_PASSWORD_LENGTH)
      .describe('At least 10 characters; not whitespace, one repeated character, a well-known password, or the username/email'),
  })
  .meta({ id: 'RegisterRequest', example: { username: 'alice', email: 'alice@example.com', password: 'correct horse battery' } });

export const LoginBody = z
  .object({ username: z.string().min(1).max(32), password: z.string().min(1).max(128) })
  .meta({ id: 'LoginRequest', example: { username: 'alice', password: 'correct horse battery' } });

export const RefreshBody = z.object({ refresh_token: z.string().min(1) }).meta({ id: 'RefreshRequest' });

export const Tokens = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().describe('Access token lifetime, seconds'),
  })
  .meta({
    id: 'Tokens',
    example: { access_token: 'eyJhbGciOiJIUzI1NiIs...', refresh_token: 'eyJhbGciOiJIUzI1NiIs...', token_type: 'bearer', expires_in: 900 },
  });

export const User = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string().nullable(),
    created_at: z.string(),
    operator: z.boolean().describe('May change what every account shares (enable map, the shared scan)'),
  })
  .meta({ id: 'User', example: { id: 2, username: 'alice', email: 'alice@example.com', created_at: T, operator: false } });

// ---- symbols ----

export const IdParams = z.object({ id: z.coerce.number().int().positive().describe('Resource id') });

export const AddSymbolBody = z
  .object({
    symbol: SymbolInput.describe('What you would type: BTC, btc/usdt, BTCUSDT, AAPL, ORCL.US'),
    interval: z.enum(INTERVALS).optional().describe('Candle interval the scheduler trades it on; default KLINE_INTERVAL'),
    active: z.boolean().optional().describe('Whether monitoring trades it (default true)'),
  })
  .meta({ id: 'AddSymbolRequest', example: { symbol: 'btc' } });

export const WatchedSymbol = z
  .object({
    id: z.number().int(),
    symbol: z.string().describe('As the venue spells it'),
    venue: z.string().describe('The venue that serves it under the configured MARKET_SOURCE: binance, bybit, yahoo, synthetic or replay'),
    asset_type: z.string().describe('crypto or stock'),
    interval: z.string(),
    active: z.boolean(),
    created_at: z.string(),
  })
  .meta({
    id: 'Symbol',
    example: { id: 3, symbol: 'BTCUSDT', venue: 'binance', asset_type: 'crypto', interval: '1h', active: true, created_at: T },
  });

// ---- market data ----

const IndicatorsOut = z.object({ sma_10: z.number().nullable(), sma_50: z.number().nullable(), rsi_14: z.number().nullable() });

export const Snapshot = z
  .object({
    id: z.number().int(),
    cycle_id: z.number().int().nullable().describe('The cycle that took it; null for refreshes and advice'),
    symbol: z.string(),
    price: z.number(),
    source: z.string(),
    interval: z.string(),
    indicators: IndicatorsOut,
    candle_time: z.string().describe('Close time of the newest closed candle'),
    observed_at: z.string(),
  })
  .meta({
    id: 'MarketSnapshot',
    example: {
      id: 41,
      cycle_id: 17,
      symbol: 'BTCUSDT',
      price: 43210.55,
      source: 'binance',
      interval: '1h',
      indicators: { sma_10: 43100.12, sma_50: 42050.44, rsi_14: 62.4 },
      candle_time: '2025-11-29T13:59:59.999Z',
      observed_at: T,
    },
  });

export const CandleOut = z
  .object({
    open_time: z.string(),
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number(),
    volume: z.number(),
    close_time: z.string(),
  })
  .meta({ id: 'Candle' });

/** A domain candle as the API shows it (ISO times, snake_case). */
export function candleJson(c: Candle): z.infer<typeof CandleOut> {
  return {
    open_time: iso(c.openTime),
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    close_time: iso(c.closeTime),
  };
}

export const MarketDataQuery = z.object({
  symbol: SymbolInput,
  from: TimeParam.optional().describe('Start (inclusive), epoch ms or ISO-8601; default `to` minus 24 h'),
  to: TimeParam.optional().describe('End (inclusive); default now'),
  limit: z.coerce.number().int().min(1).max(5000).default(1000).describe('Most snapshots and candles returned (each)'),
});

export const MarketHistory = z
  .object({
    symbol: z.string(),
    venue: z.string(),
    interval: z.string(),
    from: z.string(),
    to: z.string(),
    snapshots: z.array(Snapshot),
    candles: z.array(CandleOut),
  })
  .meta({ id: 'MarketHistory' });

export const LatestItem = z
  .object({ symbol: WatchedSymbol, snapshot: Snapshot.nullable().describe('null until a cycle or refresh stored one') })
  .meta({ id: 'LatestMarketData' });

export const RefreshBodySchema = z
  .object({ symbols: z.array(SymbolInput).min(1).max(50).optional().describe('Default: every symbol on your list') })
  .meta({ id: 'MarketRefreshRequest', example: { symbols: ['BTCUSDT'] } });

export const RefreshItem = z
  .object({
    symbol: z.string(),
    ok: z.boolean(),
    snapshot: Snapshot.optional(),
    candles_stored: z.number().int().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'MarketRefreshResult' });

// ---- decisions ----

const Probabilities = z.object({ BUY: z.number(), SELL: z.number(), HOLD: z.number() });

export const DecisionOut = z
  .object({
    id: z.number().int(),
    cycle_id: z.number().int().nullable().describe('null for advice asked through POST /api/decisions'),
    symbol: z.string(),
    action: z.enum(ACTIONS),
    confidence: z.number(),
    probabilities: Probabilities,
    reason: z.string(),
    model_version: z.string(),
    strategy: z.string(),
    price: z.number().describe('Market price when decided'),
    created_at: z.string(),
  })
  .meta({
    id: 'Decision',
    example: {
      id: 9,
      cycle_id: null,
      symbol: 'BTCUSDT',
      action: 'BUY',
      confidence: 0.62,
      probabilities: { BUY: 0.62, SELL: 0.13, HOLD: 0.25 },
      reason: 'Model predicted BUY (p=0.62): rsi_14=41.2 pushed +0.08',
      model_version: 'rf-v1-BTCUSDT-1h-...',
      strategy: 'ml-classifier',
      price: 43210.55,
      created_at: T,
    },
  });

export const DecisionsQuery = z.object({
  symbol: SymbolInput.optional(),
  action: z.enum(ACTIONS).optional(),
  from: TimeParam.optional(),
  to: TimeParam.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const DecisionPage = z
  .object({ items: z.array(DecisionOut), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .meta({ id: 'DecisionPage' });

/** A symbol as typed, or (seed 002's `{"symbol_id": 1}`) the id of one of your watched symbols; exactly one. */
export const AskDecisionBody = z
  .object({
    symbol: SymbolInput.optional().describe('What you would type: BTC, BTCUSDT, AAPL'),
    symbol_id: z.number().int().positive().optional().describe('Id of one of your symbols (GET /api/symbols)'),
  })
  .refine((b) => (b.symbol === undefined) !== (b.symbol_id === undefined), {
    message: 'expected exactly one of symbol or symbol_id',
    path: ['symbol'],
  })
  .meta({ id: 'AskDecisionRequest', example: { symbol: 'BTCUSDT' } });

export const Advice = z
  .object({ decision: DecisionOut, market_data: Snapshot.omit({ id: true, cycle_id: true }), executed: z.literal(false) })
  .meta({ id: 'Advice' });

export const StatisticsQuery = z.object({ symbol: SymbolInput.optional() });

export const DecisionStats = z
  .object({
    total: z.number().int(),
    by_action: z.object({ BUY: z.number().int(), SELL: z.number().int(), HOLD: z.number().int() }),
    mean_confidence: z.number().nullable(),
    hit_rate: z
      .object({ hits: z.number().int(), evaluated: z.number().int(), rate: z.number().nullable() })
      .describe('BUY/SELL decisions judged against the next stored price of the symbol: BUY hits if it rose, SELL if it fell'),
  })
  .meta({
    id: 'DecisionStatistics',
    example: {
      total: 12,
      by_action: { BUY: 4, SELL: 3, HOLD: 5 },
      mean_confidence: 0.58,
      hit_rate: { hits: 4, evaluated: 6, rate: 0.6667 },
    },
  });

// ---- agents ----

export const Monitoring = z
  .object({
    running: z.boolean(),
    interval: z.string(),
    symbols: z.array(z.string()),
    started_at: z.string().nullable(),
    last_cycle_at: z.string().nullable(),
    cycles_run: z.number().int(),
    missed_ticks: z.number().int(),
    errors: z.number().int(),
    last_error: z.string().nullable(),
  })
  .meta({
    id: 'MonitoringStatus',
    example: {
      running: true,
      interval: '1h',
      symbols: ['BTCUSDT', 'AAPL'],
      started_at: T,
      last_cycle_at: T,
      cycles_run: 14,
      missed_ticks: 0,
      errors: 0,
      last_error: null,
    },
  });

export const AgentOut = z
  .object({
    name: z.string(),
    health: z.enum(['idle', 'ok', 'error']),
    runs: z.number().int(),
    errors: z.number().int(),
    last_run_at: z.string().nullable().describe('Heartbeat: the last message it handled'),
    last_latency_ms: z.number().nullable(),
    last_error: z.string().nullable(),
    last_error_at: z.string().nullable(),
    monitoring: Monitoring.nullable().describe('Your continuous monitoring (market-monitor only)'),
  })
  .meta({ id: 'Agent' });

export const AgentParams = z.object({ name: z.string().min(1).max(64) });

export const MonitorControlBody = z
  .object({
    action: z.enum(['start', 'stop']),
    interval: z.enum(INTERVALS).optional().describe('Schedule: one cycle per symbol at each candle close; default KLINE_INTERVAL'),
  })
  .meta({ id: 'MonitorControlRequest', example: { action: 'start', interval: '1h' } });
