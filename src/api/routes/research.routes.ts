import { z } from 'zod';
import { type AppConfig, PROTOCOLS, withOverrides } from '../../config.js';
import { INTERVALS } from '../../domain/candle.js';
import { ConclaveError } from '../../domain/errors.js';
import { checkSpec } from '../../research/campaign.js';
import type { CampaignRecord, CampaignService } from '../../research/campaign-service.js';
import { OBJECTIVES } from '../../research/performance.js';
import { SEARCH_METHODS } from '../../research/search/index.js';
import type { CandleRepository } from '../../store/candle.repository.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { RISK_PARAMS } from '../../strategies/search-space.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { userIdOf } from '../user.js';

export interface ResearchRouteDeps {
  readonly campaigns: CampaignService;
  readonly candles: Pick<CandleRepository, 'range'>;
  /** Every campaign starts from the server's settings (protocol, risk, sizing, stops, costs). */
  readonly config: AppConfig;
  readonly now: () => number;
}

const CampaignBody = z.object({
  strategy: z.enum(STRATEGY_NAMES).optional().describe('pipeline: the strategy whose parameters are searched (required there)'),
  protocol: z.enum(PROTOCOLS).optional().describe('default: the server PROTOCOL; brain and consensus search risk settings only'),
  symbols: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9]{2,20}$/)
        .transform((s) => s.toUpperCase()),
    )
    .min(1)
    .max(5)
    .describe('Stored candles of these symbols (conclave data download|import); one trial trades them all'),
  interval: z.enum(INTERVALS).default('1h'),
  venue: z.string().min(1).max(20).default('binance'),
  from: z.iso.datetime().optional().describe('First stored candle to use (default: all)'),
  to: z.iso.datetime().optional(),
  search: z.enum(SEARCH_METHODS).default('tpe'),
  trials: z.number().int().min(1).max(5000).default(100),
  objective: z.enum(OBJECTIVES).default('sharpe'),
  windows: z.number().int().min(1).max(100).default(4),
  seed: z.number().int().default(1),
  risk: z
    .array(z.enum(RISK_PARAMS as [string, ...string[]]))
    .default([])
    .describe('Risk settings searched too (GET /api/strategies risk_search_space)'),
  prune: z.boolean().default(true).describe('Stop trials in the bottom quartile at 25/50/75 % of the bars'),
  settings: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .describe('Any setting of the config table for every trial, e.g. {"FEE_BPS": 5}'),
});

/** A campaign's state and progress, as GET /api/research/campaigns and the research.* /ws events show it. */
export const CampaignState = z.object({
  id: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  progress: z
    .object({
      stage: z.enum(['trials', 'walk-forward', 'statistics']),
      done: z.number().int(),
      total: z.number().int(),
      pruned: z.number().int(),
      failed: z.number().int(),
      best: z.number().nullable(),
      trial: z.enum(['ok', 'failed', 'pruned']).optional().describe('Progress events: the outcome of the trial that just ended'),
    })
    .nullable(),
});

const CampaignView = CampaignState.extend({
  params: z.unknown(),
  result: z.unknown().nullable().describe('Once completed: verdict, every criterion, DSR, PBO, Monte Carlo, windows, stability, trials'),
  report_dir: z.string().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
}).meta({ id: 'ResearchCampaign' });

const view = (r: CampaignRecord): z.infer<typeof CampaignView> => ({
  id: r.id,
  status: r.status,
  progress: r.progress && {
    stage: r.progress.stage,
    done: r.progress.done,
    total: r.progress.total,
    pruned: r.progress.pruned,
    failed: r.progress.failed,
    best: r.progress.best,
  },
  params: r.params,
  result: r.result,
  report_dir: r.reportDir,
  error: r.error,
  created_at: new Date(r.createdAt).toISOString(),
  finished_at: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
});

const IdParams = z.object({ id: z.string().min(1).max(64) });

/**
 * Research campaigns over stored candles: `POST` answers 202 with the queued campaign; progress goes out on the
 * WebSocket (`research.progress`, `research.finished`); `GET` lists and reads them; `POST .../cancel` stops one.
 * Every campaign belongs to the user who started it (access `user`: nobody else sees or cancels it).
 */
export function registerResearchRoutes(app: ApiApp, deps: ResearchRouteDeps): void {
  const tags = ['research'];
  app.post(
    '/api/research/campaigns',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags,
        summary: 'Start a research campaign (parameter search, walk-forward optimisation, overfitting control) in the background',
        body: CampaignBody,
        response: { 202: CampaignView, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const config = withOverrides(deps.config, { ...body.settings, ...(body.protocol !== undefined && { PROTOCOL: body.protocol }) });
      const check = {
        config,
        strategy: body.strategy,
        risk: body.risk,
        search: body.search,
        trials: body.trials,
        objective: body.objective,
        windows: body.windows,
        seed: body.seed,
      };
      // A bad request is a 422 now, not a failed campaign later.
      checkSpec(check);
      const from = body.from ? Date.parse(body.from) : 0;
      const to = body.to ? Date.parse(body.to) : deps.now();
      const series = [];
      for (const symbol of body.symbols) {
        const candles = await deps.candles.range(body.venue, symbol, body.interval, from, to);
        if (candles.length === 0) {
          throw new ConclaveError(
            'NOT_FOUND',
            `no stored ${symbol} ${body.interval} candles on ${body.venue}; run conclave data download first`,
            {
              symbol,
            },
          );
        }
        series.push({ symbol, interval: body.interval, candles });
      }
      const spec = { ...check, series, prune: body.prune };
      const record = deps.campaigns.start(userIdOf(request), spec, { ...body });
      return reply.status(202).send(view(record));
    },
  );

  app.get(
    '/api/research/campaigns',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Your research campaigns, newest first', response: { 200: z.array(CampaignView) } },
    },
    async (request) => deps.campaigns.list(userIdOf(request)).map(view),
  );

  app.get(
    '/api/research/campaigns/:id',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags,
        summary: 'One of your campaigns: status, progress and, once completed, the verdict with every criterion',
        params: IdParams,
        response: { 200: CampaignView, 404: ErrorBody },
      },
    },
    async (request) => view(deps.campaigns.get(userIdOf(request), request.params.id)),
  );

  app.post(
    '/api/research/campaigns/:id/cancel',
    {
      config: { access: 'user', errors: ['NOT_FOUND', 'CONFLICT'] },
      schema: {
        tags,
        summary: 'Cancel one of your queued or running campaigns (409 when it has already ended)',
        params: IdParams,
        response: { 200: CampaignView, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => view(deps.campaigns.cancel(userIdOf(request), request.params.id)),
  );
}
