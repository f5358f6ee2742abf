import { z } from 'zod';
import type { RegimeState } from '../../agents/regime.js';
import { type RegimeConfig, RegimeTracker } from '../../agents/regime-rules.js';
import type { MarketSnapshot } from '../../domain/market.js';
import { REGIMES } from '../../domain/regime.js';
import { iso } from '../../engine/cycle-response.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER, SymbolInput } from '../platform-schemas.js';
import { VENUE_ERRORS } from '../route-errors.js';
import { userIdOf } from '../user.js';

export interface RegimeRouteDeps {
  readonly config: RegimeConfig;
  /** Regimes tracked by the running brain protocol (empty under other protocols), of every account's symbols. */
  readonly tracked: () => readonly RegimeState[];
  /** The symbols on the user's list: which tracked regimes the user may see (operators see all). */
  readonly userSymbols: (userId: number) => Promise<readonly string[]>;
  readonly resolveSymbol: (input: string | undefined) => string;
  readonly snapshot: (symbol: string) => Promise<MarketSnapshot>;
}

const RegimeItem = z.object({
  symbol: z.string(),
  regime: z.enum(REGIMES),
  source: z.enum(['agent', 'on-demand']).describe('agent: the brain protocol state (with hysteresis); on-demand: one reading now'),
  since: z.string().nullable(),
  trend: z.number().describe('W-bar log return over its expected noise (about N(0,1) on a random walk)'),
  vol_percentile: z.number(),
  vol: z.number(),
  candidate: z.enum(REGIMES).nullable(),
  candidate_bars: z.number().int(),
});

const RegimeOut = z.object({ regimes: z.array(RegimeItem) }).meta({ id: 'Regimes' });
const RegimeQuery = z.object({ symbol: SymbolInput.optional() });

/** Market regime per symbol: the brain's tracked state, or a reading on demand for an untracked symbol. */
export function registerRegimeRoutes(app: ApiApp, deps: RegimeRouteDeps): void {
  app.get(
    '/api/regime',
    {
      config: { access: 'user', errors: VENUE_ERRORS },
      schema: {
        tags: ['strategies'],
        summary:
          'Market regime (BULL / BEAR / RANGE / HIGH_VOL): the tracked symbols on your list, or one symbol (read now if not tracked for you)',
        security: BEARER,
        querystring: RegimeQuery,
        response: { 200: RegimeOut, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      // Which symbols the brain tracks tells what other accounts trade: users see the ones on their own list.
      const mine = request.operator ? null : new Set(await deps.userSymbols(userIdOf(request)));
      const tracked = deps.tracked().filter((s) => mine === null || mine.has(s.symbol));
      const item = (s: RegimeState, source: 'agent' | 'on-demand') => ({
        symbol: s.symbol,
        regime: s.regime,
        source,
        since: source === 'agent' ? iso(s.since) : null,
        trend: s.reading.metrics.trend,
        vol_percentile: s.reading.metrics.volPercentile,
        vol: s.reading.metrics.vol,
        candidate: s.reading.candidate,
        candidate_bars: s.reading.candidateBars,
      });
      if (request.query.symbol === undefined) return { regimes: tracked.map((s) => item(s, 'agent')) };
      const symbol = deps.resolveSymbol(request.query.symbol);
      const known = tracked.find((s) => s.symbol === symbol);
      if (known) return { regimes: [item(known, 'agent')] };
      const snapshot = await deps.snapshot(symbol);
      const reading = new RegimeTracker(deps.config).update(snapshot.candles);
      if (!reading) return { regimes: [] };
      return { regimes: [item({ symbol, regime: reading.regime, since: snapshot.candleTime, reading }, 'on-demand')] };
    },
  );
}
