import type { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { DecisionService } from '../../services/decision-service.js';
import type { StoredDecision } from '../../store/decision.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import {
  Advice,
  AskDecisionBody,
  BEARER,
  type DecisionOut,
  DecisionPage,
  DecisionStats,
  DecisionsQuery,
  StatisticsQuery,
} from '../platform-schemas.js';
import { VENUE_ERRORS } from '../route-errors.js';
import { userIdOf } from '../user.js';
import { snapshotJson } from './market-data.routes.js';

export function decisionJson(d: StoredDecision): z.infer<typeof DecisionOut> {
  return {
    id: d.id,
    cycle_id: d.cycleId,
    symbol: d.symbol,
    action: d.action,
    confidence: d.confidence,
    probabilities: d.probabilities,
    reason: d.reason,
    model_version: d.modelVersion,
    strategy: d.strategy,
    price: d.price,
    created_at: iso(d.createdAt),
  };
}

/** Your decision history, advice without execution, and how past decisions fared. */
export function registerDecisionRoutes(app: ApiApp, decisions: DecisionService): void {
  const tags = ['decisions'];
  app.get(
    '/api/decisions',
    {
      config: { access: 'user', errors: ['UNKNOWN_SYMBOL'] },
      schema: {
        tags,
        summary: 'Your decisions, newest first, filtered by symbol, action and time; paginated',
        security: BEARER,
        querystring: DecisionsQuery,
        response: { 200: DecisionPage, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const symbol = q.symbol === undefined ? undefined : decisions.resolveSymbol(q.symbol);
      const page = await decisions.list({
        userId: userIdOf(request),
        symbol,
        action: q.action,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: page.items.map(decisionJson), total: page.total, limit: q.limit, offset: q.offset };
    },
  );

  app.post(
    '/api/decisions',
    {
      config: { access: 'user', errors: [...VENUE_ERRORS, 'NOT_FOUND', 'AGENT_FAILED'] },
      schema: {
        tags,
        summary: 'Ask the decision agent about a symbol now, without risk checks or execution',
        description:
          "Name the symbol (`symbol`) or one of your watched symbols by id (`symbol_id`; another user's id answers 404). " +
          'The decision and the snapshot it was made on are stored (cycle_id null) and count in the statistics.',
        security: BEARER,
        body: AskDecisionBody,
        response: { 201: Advice, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const target = body.symbol_id === undefined ? { symbol: body.symbol ?? '' } : { symbolId: body.symbol_id };
      const { decision, snapshot } = await decisions.decide(userIdOf(request), target);
      const { id: _id, cycle_id: _c, ...market } = snapshotJson({ ...snapshot, id: 0, cycleId: null });
      return reply.status(201).send({ decision: decisionJson(decision), market_data: market, executed: false as const });
    },
  );

  app.get(
    '/api/decisions/statistics',
    {
      config: { access: 'user', errors: ['UNKNOWN_SYMBOL'] },
      schema: {
        tags,
        summary: 'Counts by action, mean confidence, and hit rate of BUY/SELL decisions against the next stored price',
        security: BEARER,
        querystring: StatisticsQuery,
        response: { 200: DecisionStats, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const s = await decisions.statistics(userIdOf(request), request.query.symbol);
      return { total: s.total, by_action: s.byAction, mean_confidence: s.meanConfidence, hit_rate: s.hitRate };
    },
  );
}
