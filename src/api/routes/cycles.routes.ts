import { z } from 'zod';
import { ConclaveError } from '../../domain/errors.js';
import type { AgentMessage } from '../../domain/messages.js';
import { iso } from '../../engine/cycle-response.js';
import type { CycleListQuery, CycleSummary, StoredCycle } from '../../store/cycle.repository.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER, SymbolInput } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface CyclesRouteDeps {
  readonly cycles: {
    list(query: CycleListQuery): Promise<CycleSummary[]>;
    get(cycleId: number, userId: number): Promise<StoredCycle | null>;
    messages(cycleId: number, userId: number): Promise<AgentMessage[] | null>;
  };
  readonly resolveSymbol: (input: string | undefined) => string;
}

const CycleOut = z.object({
  cycle_id: z.number().int(),
  symbol: z.string(),
  protocol: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  action: z.string().nullable(),
  confidence: z.number().nullable(),
  execution_status: z.string().nullable(),
  model_version: z.string().nullable(),
});

const CycleList = z.object({ cycles: z.array(CycleOut) }).meta({ id: 'CycleList' });
const CycleDetail = CycleOut.extend({ response: z.unknown().describe('The /trading/run-cycle body returned when the cycle ran') }).meta({
  id: 'Cycle',
});
const MessageOut = z.object({
  id: z.string(),
  seq: z.number().int(),
  from: z.string(),
  to: z.string(),
  type: z.string(),
  payload: z.unknown(),
  ts_event: z.string(),
  ts_init: z.string(),
});
const CycleMessages = z.object({ cycle_id: z.number().int(), messages: z.array(MessageOut) }).meta({ id: 'CycleMessages' });
const ListQuery = z.object({
  symbol: SymbolInput.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: z.coerce.number().int().positive().optional().describe('Cursor: cycles with a smaller id'),
});
const IdParams = z.object({ id: z.coerce.number().int().positive() });

function cycleJson(c: CycleSummary): z.infer<typeof CycleOut> {
  return {
    cycle_id: c.id,
    symbol: c.symbol,
    protocol: c.protocol,
    started_at: iso(c.startedAt),
    finished_at: iso(c.finishedAt),
    action: c.action,
    confidence: c.confidence,
    execution_status: c.executionStatus,
    model_version: c.modelVersion,
  };
}

const notFound = (id: number) => new ConclaveError('NOT_FOUND', `no cycle ${id} in your account`, { cycle_id: id });

/** Your cycles and every message the agents exchanged in one (another user's cycle is 404). */
export function registerCycleRoutes(app: ApiApp, deps: CyclesRouteDeps): void {
  const tags = ['cycles'];
  app.get(
    '/api/cycles',
    {
      config: { access: 'user', errors: ['UNKNOWN_SYMBOL'] },
      schema: {
        tags,
        summary: 'Your cycles, newest first',
        security: BEARER,
        querystring: ListQuery,
        response: { 200: CycleList, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const symbol = q.symbol === undefined ? undefined : deps.resolveSymbol(q.symbol);
      return { cycles: (await deps.cycles.list({ userId: userIdOf(request), symbol, limit: q.limit, before: q.before })).map(cycleJson) };
    },
  );
  app.get(
    '/api/cycles/:id',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags,
        summary: 'One cycle with the response it returned',
        security: BEARER,
        params: IdParams,
        response: { 200: CycleDetail, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const cycle = await deps.cycles.get(request.params.id, userIdOf(request));
      if (!cycle) throw notFound(request.params.id);
      return { ...cycleJson(cycle), response: cycle.response };
    },
  );
  app.get(
    '/api/cycles/:id/messages',
    {
      config: { access: 'user', errors: ['NOT_FOUND'] },
      schema: {
        tags,
        summary: 'Every message of a cycle in dispatch order (the agent graph of that cycle)',
        security: BEARER,
        params: IdParams,
        response: { 200: CycleMessages, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const messages = await deps.cycles.messages(request.params.id, userIdOf(request));
      if (!messages) throw notFound(request.params.id);
      return {
        cycle_id: request.params.id,
        messages: messages.map((m) => ({
          id: m.id,
          seq: m.seq,
          from: m.from,
          to: m.to,
          type: m.type,
          payload: m.payload,
          ts_event: iso(m.tsEvent),
          ts_init: iso(m.tsInit),
        })),
      };
    },
  );
}
