import { z } from 'zod';
import { ACTIONS } from '../domain/action.js';
import { ORDER_STATUSES } from '../domain/order.js';

/**
 * One source for validation and OpenAPI: every request and response of the seed contract. Field names are
 * the seed's snake_case; timestamps are ISO-8601 UTC.
 */

export const SymbolParam = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.-]{1,20}$/, 'symbol must be 1-20 letters or digits, e.g. BTCUSDT, BTC or AAPL')
  .meta({ example: 'BTCUSDT' });

export const Indicators = z.object({
  sma_10: z.number().nullable(),
  sma_50: z.number().nullable(),
  rsi_14: z.number().nullable(),
});

export const SeedExecution = z.object({
  executed: z.boolean(),
  execution_price: z.number().nullable(),
  order_id: z.string().nullable(),
  status: z.enum(ORDER_STATUSES),
  time: z.string(),
  reason: z.string().nullable().describe('Risk denial reason (code: text) when REJECTED'),
  quantity: z.number(),
  fee: z.number(),
  action: z.enum(ACTIONS).describe('Side of the order (HOLD when nothing was ordered)'),
});

export const SeedCycleResponse = z
  .object({
    cycle_id: z.number().int(),
    timestamp: z.string(),
    market_data: z.object({
      symbol: z.string(),
      price: z.number(),
      indicators: Indicators,
      source: z.string(),
    }),
    decision: z.object({
      action: z.enum(ACTIONS),
      confidence: z.number(),
      model_version: z.string(),
      reason: z.string(),
    }),
    execution: SeedExecution.describe(
      "This cycle's decision: FILLED, REJECTED, SKIPPED, or PENDING when it fills at the next candle's open (recorded candles)",
    ),
    settled_orders: z
      .array(SeedExecution)
      .describe("Orders of earlier decisions that settled at this cycle's start (next-open fills); empty when fills are immediate"),
    logs: z.object({
      market_agent: z.string(),
      decision_agent: z.string(),
      execution_agent: z.string(),
    }),
  })
  .meta({
    id: 'CycleResult',
    example: {
      cycle_id: 17,
      timestamp: '2025-11-29T14:32:10Z',
      market_data: {
        symbol: 'BTCUSDT',
        price: 43210.55,
        indicators: { sma_10: 43100.12, sma_50: 42050.44, rsi_14: 62.4 },
        source: 'binance',
      },
      decision: {
        action: 'BUY',
        confidence: 0.84,
        model_version: 'rf-v1-BTCUSDT-1m-...',
        reason: 'Model predicted BUY (p=0.84): rsi_14=62.4 pushed +0.10',
      },
      execution: {
        executed: true,
        execution_price: 43232.16,
        order_id: 'ORD-20251129-000017-1',
        status: 'FILLED',
        time: '2025-11-29T14:32:11Z',
        reason: null,
        quantity: 0.02314,
        fee: 1.0004,
        action: 'BUY',
      },
      settled_orders: [],
      logs: {
        market_agent: 'Received live price ...',
        decision_agent: 'Model predicted BUY with 0.84 confidence',
        execution_agent: 'Trade executed successfully',
      },
    },
  });

export const Trade = z
  .object({
    id: z.number().int(),
    order_id: z.string(),
    cycle_id: z.number().int().nullable(),
    symbol: z.string(),
    action: z.enum(['BUY', 'SELL']),
    status: z.enum(['FILLED', 'REJECTED']),
    quantity: z.number(),
    price: z.number(),
    execution_price: z.number().nullable(),
    fee: z.number(),
    timestamp: z.string(),
    reason: z.string().nullable(),
    model_version: z.string().nullable(),
    strategy: z.string().nullable(),
  })
  .meta({ id: 'Trade' });

export const TradesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('How many trades, newest first (1..100)'),
});

export const MarketQuery = z.object({
  symbol: SymbolParam.optional().describe('Trading pair; defaults to DEFAULT_SYMBOL'),
});

export const MarketLatest = z
  .object({
    symbol: z.string(),
    price: z.number(),
    indicators: Indicators,
    source: z.string(),
    interval: z.string(),
    candle_time: z.string().describe('Close time of the newest closed candle'),
    timestamp: z.string(),
    market: z
      .object({
        status: z.enum(['open', 'closed']),
        session_start: z.string().describe("Start of the exchange's current (or, while closed, latest) regular session"),
        session_end: z.string(),
      })
      .nullable()
      .describe('The regular session of a stock (cycles run only while open); null for markets that trade around the clock'),
  })
  .meta({ id: 'MarketLatest' });
