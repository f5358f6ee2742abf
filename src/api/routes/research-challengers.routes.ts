import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import { CandidateSchema, candidateFromJson } from '../../research/candidate.js';
import type { ChallengerDesk, ChallengerEvent, ChallengerView } from '../../research/challengers.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import type { LiveMessage } from '../ws-hub.js';

export interface ChallengerRouteDeps {
  readonly challengers: Pick<ChallengerDesk, 'list' | 'propose'>;
}

const tags = ['research'];

export const ChallengerOut = z
  .object({
    id: z.string(),
    account_id: z.number().int().describe('The challenger’s own in-memory paper account (never a user’s)'),
    campaign_id: z.string(),
    strategy: z.string(),
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    status: z.enum(['shadow', 'promoted', 'retired']),
    started_at: z.string(),
    until: z.string().describe('When the shadow period ends and the challenger is judged (trading clock)'),
    finished_at: z.string().nullable(),
    cycles: z.number().int(),
    fills: z.number().int(),
    monte_carlo_band: z.object({ return_p05: z.number(), return_p95: z.number(), max_drawdown_p95: z.number() }),
    shadow_return: z.number(),
    shadow_max_drawdown: z.number(),
    champion_return: z.number().nullable().describe('The house account’s return over the same span, after the same costs'),
    reason: z.string().nullable().describe('Why it was promoted or retired'),
  })
  .meta({ id: 'Challenger' });

const ChallengersOut = z.object({ challengers: z.array(ChallengerOut) }).meta({ id: 'Challengers' });

export function challengerJson(v: ChallengerView): z.infer<typeof ChallengerOut> {
  return {
    id: v.id,
    account_id: v.accountId,
    campaign_id: v.campaignId,
    strategy: v.strategy,
    params: { ...v.params },
    status: v.status,
    started_at: iso(v.startedAt),
    until: iso(v.until),
    finished_at: v.finishedAt === null ? null : iso(v.finishedAt),
    cycles: v.cycles,
    fills: v.fills,
    monte_carlo_band: { return_p05: v.band.returnP05, return_p95: v.band.returnP95, max_drawdown_p95: v.band.maxDrawdownP95 },
    shadow_return: v.shadowReturn,
    shadow_max_drawdown: v.shadowMaxDrawdown,
    champion_return: v.championReturn,
    reason: v.reason,
  };
}

const WS_TYPES = {
  CandidateProposed: 'research.candidate_proposed',
  ChallengerStarted: 'research.challenger_started',
  StrategyPromoted: 'research.strategy_promoted',
  StrategyRetired: 'research.strategy_retired',
} as const;

/** A champion/challenger event for every /ws client (challengers trade beside the house account, shared by all). */
export function challengerMessage(e: ChallengerEvent, desk: Pick<ChallengerDesk, 'list'>): LiveMessage {
  const current = desk.list().find((c) => c.id === e.payload.challengerId);
  return { type: WS_TYPES[e.type], data: { at: iso(e.at), challenger: current ? challengerJson(current) : null } };
}

/** GET lists the challengers; POST hands a PASSED campaign candidate to champion/challenger (operators). */
export function registerChallengerRoutes(app: ApiApp, deps: ChallengerRouteDeps): void {
  app.get(
    '/api/research/challengers',
    {
      config: { access: 'shared' },
      schema: {
        tags,
        summary: 'Challengers: research candidates paper-trading in shadow beside the house account, promoted or retired',
        security: BEARER,
        response: { 200: ChallengersOut, 401: ErrorBody },
      },
    },
    async () => ({ challengers: deps.challengers.list().map(challengerJson) }),
  );
  app.post(
    '/api/research/challengers',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Start a challenger from a PASSED candidate (the `challenger` object of `conclave research run --json`); operators only',
        description:
          'It shadow-trades on its own account after every house cycle for RESEARCH_CHALLENGER_DAYS, then is promoted into the enable map ' +
          '(RESEARCH_PROMOTE_REGIMES, with its parameters; reports/promotions.jsonl) when its return is inside the Monte Carlo band and beats ' +
          'the house account after costs, else retired with the reason. 422 VALIDATION_ERROR for a FAILED verdict or an unknown strategy or parameter.',
        security: BEARER,
        body: CandidateSchema,
        response: { 201: ChallengerOut, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const view = deps.challengers.propose(candidateFromJson(request.body));
      return reply.code(201).send(challengerJson(view));
    },
  );
}
