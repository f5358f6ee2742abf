import { z } from 'zod';
import { ACTIONS } from '../domain/action.js';
import { FeedOut } from './routes/feeds.routes.js';
import { CampaignState } from './routes/research.routes.js';
import { ChallengerOut } from './routes/research-challengers.routes.js';
import type { LiveMessageType } from './ws-hub.js';

/**
 * The messages of `/ws`, as schemas with examples. OpenAPI 3.1 paths describe HTTP only, so the upgrade GET is
 * an operation whose `x-websocket` extension names these schemas (in components.schemas, from the zod registry).
 */

const T = '2026-01-05T12:00:00.000Z';

const ChallengerEventData = z.object({ at: z.string(), challenger: ChallengerOut.nullable() });
const challengerExample = (status: string, reason: string | null) => ({
  at: T,
  challenger: {
    id: 'ch-1',
    account_id: 1_000_000_001,
    campaign_id: 'a1b2c3',
    strategy: 'sma-cross',
    params: { fast: 5, slow: 30 },
    status,
    started_at: T,
    until: '2026-01-19T12:00:00.000Z',
    finished_at: status === 'shadow' ? null : '2026-01-19T12:00:00.000Z',
    cycles: status === 'shadow' ? 0 : 336,
    fills: status === 'shadow' ? 0 : 14,
    monte_carlo_band: { return_p05: -0.04, return_p95: 0.09, max_drawdown_p95: 0.06 },
    shadow_return: status === 'shadow' ? 0 : 0.021,
    shadow_max_drawdown: status === 'shadow' ? 0 : 0.018,
    champion_return: status === 'shadow' ? null : 0.004,
    reason,
  },
});

const BacktestEventData = z.object({
  id: z.string(),
  status: z.string().describe('running, completed or failed'),
  progress: z.number().min(0).max(1),
});

/** What a client may send. */
export const WsClientMessage = z
  .discriminatedUnion('type', [
    z
      .object({ type: z.literal('subscribe'), symbols: z.array(z.string().min(1).max(20)).min(1).max(100) })
      .describe('Only these symbols from now on (added to an earlier subscription); answered by `subscribed`'),
    z
      .object({ type: z.literal('unsubscribe'), symbols: z.array(z.string().min(1).max(20)).max(100).optional() })
      .describe('Drop these symbols; without symbols, every symbol again; answered by `subscribed`'),
    z.object({ type: z.literal('ping') }).describe('Answered by `pong`'),
  ])
  .meta({ id: 'WsClientMessage', example: { type: 'subscribe', symbols: ['BTCUSDT'] } });

const ResearchEventData = CampaignState;

const DATA: { readonly [K in LiveMessageType]: { readonly description: string; readonly data: z.ZodType; readonly example: unknown } } = {
  hello: {
    description: 'First message after the upgrade: who the socket acts for; symbols null = every symbol',
    data: z.object({ user_id: z.number().int(), symbols: z.array(z.string()).nullable() }),
    example: { user_id: 2, symbols: null },
  },
  subscribed: {
    description: 'The subscription after a subscribe or unsubscribe; null = every symbol',
    data: z.object({ symbols: z.array(z.string()).nullable() }),
    example: { symbols: ['BTCUSDT'] },
  },
  cycle: {
    description: 'A saved cycle of your account',
    data: z.object({
      cycle_id: z.number().int(),
      symbol: z.string(),
      protocol: z.string(),
      started_at: z.string(),
      finished_at: z.string(),
      price: z.number(),
      action: z.enum(ACTIONS),
      status: z.string().describe("This cycle's decision: FILLED, SKIPPED, REJECTED, or PENDING until the next candle's open"),
      reason: z.string().nullable().describe('Risk denial (code: text) when REJECTED'),
      settled: z
        .array(z.object({ cycle_id: z.number().int(), order_id: z.string().nullable(), status: z.string(), reason: z.string().nullable() }))
        .describe(
          'Orders of earlier PENDING cycles that filled (or were refused) at the start of this one; that cycle now has this status',
        ),
    }),
    example: {
      cycle_id: 17,
      symbol: 'BTCUSDT',
      protocol: 'pipeline',
      started_at: T,
      finished_at: '2026-01-05T12:00:00.412Z',
      price: 43210.55,
      action: 'BUY',
      status: 'FILLED',
      reason: null,
      settled: [],
    },
  },
  decision: {
    description: "The cycle's decision and its reasons",
    data: z.object({
      cycle_id: z.number().int(),
      symbol: z.string(),
      action: z.enum(ACTIONS),
      confidence: z.number(),
      reason: z.string(),
      model_version: z.string().nullable(),
      strategy: z.string().nullable(),
    }),
    example: {
      cycle_id: 17,
      symbol: 'BTCUSDT',
      action: 'BUY',
      confidence: 0.84,
      reason: 'Model predicted BUY (p=0.84): rsi_14=62.4 pushed +0.10',
      model_version: 'rf-v1-BTCUSDT-1h',
      strategy: 'ml-classifier',
    },
  },
  fill: {
    description: 'One fill of the cycle on the paper broker (decision or stop)',
    data: z.object({
      cycle_id: z.number().int(),
      order_id: z.string(),
      symbol: z.string(),
      side: z.enum(['BUY', 'SELL']),
      quantity: z.number(),
      price: z.number(),
      execution_price: z.number(),
      fee: z.number(),
      time: z.string(),
    }),
    example: {
      cycle_id: 17,
      order_id: 'ORD-20260105-000017-1',
      symbol: 'BTCUSDT',
      side: 'BUY',
      quantity: 0.02314,
      price: 43210.55,
      execution_price: 43232.16,
      fee: 1.0004,
      time: T,
    },
  },
  equity: {
    description: "Your account's equity after the cycle",
    data: z.object({
      cycle_id: z.number().int(),
      time: z.string(),
      equity: z.number(),
      cash: z.number(),
      realized_pnl: z.number(),
      unrealized_pnl: z.number(),
      fees_paid: z.number(),
      positions: z.number().int().describe('Open positions'),
    }),
    example: {
      cycle_id: 17,
      time: T,
      equity: 10012.4,
      cash: 9000.38,
      realized_pnl: 14.2,
      unrealized_pnl: -0.8,
      fees_paid: 2.1,
      positions: 1,
    },
  },
  agent_status: {
    description: "Your agents' counters after a cycle (`agents`, as GET /api/agents) or monitoring after a change (`monitoring`)",
    data: z.object({ agents: z.array(z.unknown()).optional(), monitoring: z.unknown().optional() }),
    example: {
      agents: [
        {
          name: 'market-monitor',
          health: 'ok',
          runs: 17,
          errors: 0,
          last_run_at: T,
          last_latency_ms: 41,
          last_error: null,
          last_error_at: null,
          monitoring: null,
        },
      ],
    },
  },
  market_halt: {
    description: 'To every user: the price-jump guard halted a symbol on a venue, or a sane price lifted the halt',
    data: z.object({
      venue: z.string(),
      symbol: z.string(),
      halted: z.boolean(),
      reason: z.string().describe('What tripped the guard (PRICE_JUMP, SPIKE); on release, the reason of the halt that ended'),
      price: z.number().nullable(),
      reference: z.number().nullable().describe('Close of the last closed candle the price was compared with'),
      message: z.string(),
      time: z.string(),
    }),
    example: {
      venue: 'binance',
      symbol: 'BTCUSDT',
      halted: true,
      reason: 'PRICE_JUMP',
      price: 86421,
      reference: 43210.5,
      message:
        'binance BTCUSDT: the newest candle closes at 86421, 100% from 43210.5 (the live price or the newest candle moved more than MAX_PRICE_JUMP from the last closed candle)',
      time: T,
    },
  },
  feed: {
    description: 'To every user: the market feed of a venue changed state (as GET /api/feeds)',
    data: FeedOut,
    example: {
      venue: 'binance',
      state: 'down',
      last_candle_time: '2026-01-05T11:59:59.999Z',
      consecutive_failures: 1,
      last_error_code: 'MARKET_DATA_UNAVAILABLE',
    },
  },
  'backtest.progress': {
    description: 'A backtest of yours (POST /api/backtests) moved on; progress from 0 to 1',
    data: BacktestEventData,
    example: { id: '3f2b8c1e-6a4d-4e2f-9b7a-1c5d8e9f0a12', status: 'running', progress: 0.42 },
  },
  'backtest.finished': {
    description: 'A backtest of yours ended: completed (its report at GET /api/backtests/{id}/report) or failed',
    data: BacktestEventData,
    example: { id: '3f2b8c1e-6a4d-4e2f-9b7a-1c5d8e9f0a12', status: 'completed', progress: 1 },
  },
  'research.candidate_proposed': {
    description: 'To every user: a PASSED research candidate was handed to champion/challenger',
    data: ChallengerEventData,
    example: challengerExample('shadow', null),
  },
  'research.challenger_started': {
    description: 'To every user: the candidate paper-trades in shadow on its own account until `until`',
    data: ChallengerEventData,
    example: challengerExample('shadow', null),
  },
  'research.strategy_promoted': {
    description: 'To every user: the challenger beat the house account inside its Monte Carlo band; the enable map now runs it',
    data: ChallengerEventData,
    example: challengerExample('promoted', "shadow return 2.10% beat the champion's 0.40% inside the Monte Carlo band"),
  },
  'research.strategy_retired': {
    description: 'To every user: the challenger was not promoted; `reason` says which condition failed',
    data: ChallengerEventData,
    example: challengerExample('retired', "shadow return 0.10% does not beat the champion's 0.40% after costs"),
  },
  'research.progress': {
    description:
      'A research campaign of yours (POST /api/research/campaigns) moved on: stage (trials, walk-forward, statistics), done of total, pruned and failed trials, best search score',
    data: ResearchEventData,
    example: {
      id: '9a1c2e3f-6a4d-4e2f-9b7a-1c5d8e9f0a12',
      status: 'running',
      progress: { stage: 'trials', done: 40, total: 200, pruned: 12, failed: 0, best: 0.021 },
    },
  },
  'research.finished': {
    description: 'A research campaign of yours ended: completed (its verdict at GET /api/research/campaigns/{id}), failed or cancelled',
    data: ResearchEventData,
    example: {
      id: '9a1c2e3f-6a4d-4e2f-9b7a-1c5d8e9f0a12',
      status: 'completed',
      progress: { stage: 'statistics', done: 1, total: 1, pruned: 60, failed: 0, best: 0.034 },
    },
  },
  error: {
    description: 'A client message the server could not take; the socket stays open',
    data: z.object({ code: z.string(), message: z.string() }),
    example: { code: 'VALIDATION_ERROR', message: 'expected {"type":"subscribe"|"unsubscribe","symbols":[...]} or {"type":"ping"}' },
  },
  pong: { description: 'The answer to a ping', data: z.object({}), example: {} },
};

const pascal = (type: string) => type.replace(/(^|[_.])([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** One schema per server message type: the envelope `{type, seq, ts, dropped, data}` around its data. */
export const WS_SERVER_MESSAGES = Object.fromEntries(
  Object.entries(DATA).map(([type, d]) => [
    type,
    z
      .object({
        type: z.literal(type),
        seq: z.number().int().describe('Messages sent to this client so far, this one included'),
        ts: z.string().describe('When it was sent (ISO-8601 UTC)'),
        dropped: z.number().int().describe('Messages this client missed because it read too slowly'),
        data: d.data,
      })
      .meta({ id: `Ws${pascal(type)}Message`, description: d.description, example: { type, seq: 1, ts: T, dropped: 0, data: d.example } }),
  ]),
) as unknown as Readonly<Record<LiveMessageType, z.ZodObject>>;

/** The `x-websocket` extension of the GET /ws operation. */
export const WS_EXTENSION = {
  protocol: 'RFC 6455 WebSocket; text frames of JSON',
  'client-messages': { $ref: '#/components/schemas/WsClientMessage' },
  'server-messages': Object.fromEntries(Object.keys(DATA).map((type) => [type, { $ref: `#/components/schemas/Ws${pascal(type)}Message` }])),
};
