import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { backtestReportInput, backtestSummary } from '../../backtest/report-input.js';
import { runStrategyBacktest } from '../../backtest/service.js';
import { type AppConfig, PROTOCOLS, withOverrides } from '../../config.js';
import { INTERVALS, intervalMs } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { newRunId, writeRunReport } from '../../reports/run-report.js';
import type { BacktestRepository, StoredBacktest } from '../../store/backtest.repository.js';
import type { CandleRepository } from '../../store/candle.repository.js';
import { checkStrategyParams, STRATEGY_NAMES } from '../../strategies/registry.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { userIdOf } from '../user.js';

/** Progress and completion events, for the WebSocket hub (`backtest.progress`, `backtest.finished`). */
export interface BacktestEvent {
  readonly type: 'backtest.progress' | 'backtest.finished';
  readonly userId: number;
  readonly id: string;
  readonly status: string;
  readonly progress: number;
}

export interface BacktestRouteDeps {
  readonly backtests: BacktestRepository;
  readonly candles: CandleRepository;
  /** The app config: every run starts from its settings (protocol, risk, sizing, stops, costs, model). */
  readonly config: AppConfig;
  readonly reportsDir: string;
  readonly version: string;
  readonly now: () => number;
  readonly publish?: (event: BacktestEvent) => void;
}

const BacktestBody = z.object({
  protocol: z
    .enum(PROTOCOLS)
    .optional()
    .describe('pipeline, brain or consensus (default: the server PROTOCOL); the kernel paper trading runs, filling at the next open'),
  strategy: z
    .enum(STRATEGY_NAMES)
    .optional()
    .describe('pipeline only: the decision maker (default ml-classifier, the model); brain and consensus choose their own'),
  symbol: z
    .string()
    .regex(/^[A-Za-z0-9]{2,20}$/)
    .transform((s) => s.toUpperCase()),
  interval: z.enum(INTERVALS).default('1h'),
  venue: z.string().min(1).max(20).default('binance'),
  from: z.iso.datetime().optional().describe('First candle open time to trade (default: all stored candles)'),
  to: z.iso.datetime().optional(),
  params: z
    .record(z.string().max(40), z.number())
    .default({})
    .describe("pipeline only: the strategy's own parameters (GET /api/strategies lists them); any other key is a 422"),
  fee_bps: z.number().min(0).max(1000).optional(),
  slippage_bps: z.number().min(0).max(1000).optional(),
  starting_capital: z.number().positive().optional(),
  order_fraction: z.number().positive().max(1).optional(),
  settings: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('Any setting of the config table for this run, e.g. {"MAX_DAILY_LOSS": 0.02, "MAX_ENTRIES_PER_POSITION": 2}'),
});

/**
 * The run's config: the server's with the body's settings applied, validated like the config table.
 * @throws ConclaveError VALIDATION_ERROR for an unknown setting, a bad value, or a strategy with brain/consensus.
 */
function runConfig(base: AppConfig, body: z.infer<typeof BacktestBody>): AppConfig {
  const config = withOverrides(base, {
    ...body.settings,
    ...(body.protocol !== undefined && { PROTOCOL: body.protocol }),
    ...(body.fee_bps !== undefined && { FEE_BPS: body.fee_bps }),
    ...(body.slippage_bps !== undefined && { SLIPPAGE_BPS: body.slippage_bps }),
    ...(body.starting_capital !== undefined && { STARTING_CAPITAL: body.starting_capital }),
    ...(body.order_fraction !== undefined && { ORDER_FRACTION: body.order_fraction }),
  });
  if (config.PROTOCOL !== 'pipeline' && body.strategy !== undefined) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `strategy chooses the pipeline's decision maker; ${config.PROTOCOL} picks its own strategies`,
      {
        field: 'strategy',
      },
    );
  }
  if (config.PROTOCOL === 'pipeline') checkStrategyParams(body.strategy ?? 'ml-classifier', body.params);
  else if (Object.keys(body.params).length > 0) {
    throw new ConclaveError(
      'VALIDATION_ERROR',
      `params: set the pipeline's strategy parameters; ${config.PROTOCOL} picks its own strategies`,
      {
        field: 'params',
      },
    );
  }
  return config;
}

const BacktestView = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    progress: z.number(),
    params: z.unknown(),
    result: z.unknown().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Backtest' });

const view = (b: StoredBacktest): z.infer<typeof BacktestView> => ({
  id: b.id,
  status: b.status as z.infer<typeof BacktestView>['status'],
  progress: b.progress,
  params: b.params,
  result: b.result,
  error: b.error,
  created_at: new Date(b.createdAt).toISOString(),
  finished_at: b.finishedAt === null ? null : new Date(b.finishedAt).toISOString(),
});

/**
 * `POST /api/backtests` queues a backtest over stored candles (see `conclave data download|import`) and
 * answers 202 at once; the run goes on in the background through the same engine as the CLI, updating its
 * progress (poll `GET /api/backtests/:id`, or listen for `backtest.progress` on the WebSocket) and writing
 * a run report when done.
 */
export function registerBacktestRoutes(app: ApiApp, deps: BacktestRouteDeps): void {
  app.post(
    '/api/backtests',
    {
      config: { access: 'user' },
      schema: {
        tags: ['backtests'],
        summary: 'Start a backtest in the background over stored candles',
        body: BacktestBody,
        response: { 202: BacktestView, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const userId = userIdOf(request);
      const body = request.body;
      // Settings are checked before the run is queued: a bad one is a 422 now, not a failed run later.
      const config = runConfig(deps.config, body);
      const id = randomUUID();
      const created = await deps.backtests.create({ id, userId, params: body, createdAt: deps.now() });
      setImmediate(() => void execute(deps, config, id, userId, body));
      return reply.status(202).send(view(created));
    },
  );

  app.get(
    '/api/backtests/:id',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags: ['backtests'],
        summary: 'A backtest: status, progress 0..1 and, once completed, metrics next to buy-and-hold',
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: BacktestView, 404: ErrorBody },
      },
    },
    async (request) => {
      const b = await deps.backtests.get(request.params.id, userIdOf(request));
      if (!b) throw new ConclaveError('NOT_FOUND', `no backtest ${request.params.id}`);
      return view(b);
    },
  );

  app.get(
    '/api/backtests',
    {
      config: { access: 'user' },
      schema: {
        tags: ['backtests'],
        summary: "The user's backtests, newest first",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.array(BacktestView) },
      },
    },
    async (request) => (await deps.backtests.list(userIdOf(request), request.query.limit)).map(view),
  );
}

async function execute(
  deps: BacktestRouteDeps,
  config: AppConfig,
  id: string,
  userId: number,
  body: z.infer<typeof BacktestBody>,
): Promise<void> {
  const publish = (status: string, progress: number, type: BacktestEvent['type'] = 'backtest.progress') =>
    deps.publish?.({ type, userId, id, status, progress });
  try {
    await deps.backtests.update(id, { status: 'running' });
    publish('running', 0);
    const from = body.from ? Date.parse(body.from) : 0;
    const to = body.to ? Date.parse(body.to) : deps.now();
    // The model (ml-classifier) trains on stored candles before `from`; rules need only their warm-up.
    const candles = await deps.candles.range(body.venue, body.symbol, body.interval, 0, to);
    if (candles.length === 0) {
      throw new ConclaveError('NOT_FOUND', `no stored ${body.symbol} ${body.interval} candles; run conclave data download first`);
    }
    let lastStep = -1;
    const { result, model } = await runStrategyBacktest({
      series: [{ symbol: body.symbol, interval: body.interval, candles }],
      config,
      strategy: body.strategy,
      params: Object.keys(body.params).length > 0 ? body.params : undefined,
      from: body.from ? Math.max(from, candles[0].openTime + 60 * intervalMs(body.interval)) : undefined,
      onProgress: (done, total) => {
        const step = Math.floor((done / total) * 20);
        if (step === lastStep) return;
        lastStep = step;
        void deps.backtests.update(id, { progress: done / total });
        publish('running', done / total);
      },
    });
    const report = await writeRunReport(
      deps.reportsDir,
      newRunId('backtest', deps.now()),
      backtestReportInput(result, 'backtest', { ...body }, { conclave: deps.version, ...(model ? { model: model.version } : {}) }),
    );
    await deps.backtests.update(id, {
      status: 'completed',
      progress: 1,
      finishedAt: deps.now(),
      result: backtestSummary(result, report.dir),
    });
    publish('completed', 1, 'backtest.finished');
  } catch (error) {
    await deps.backtests.update(id, { status: 'failed', error: (error as Error).message, finishedAt: deps.now() }).catch(() => {});
    publish('failed', 1, 'backtest.finished');
  }
}
