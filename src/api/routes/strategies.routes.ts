import { z } from 'zod';
import type { StrategyRegimeStats } from '../../agents/research.js';
import type { Selection } from '../../agents/strategy-selection.js';
import { REGIMES } from '../../domain/regime.js';
import type { AuditTrail } from '../../services/audit-trail.js';
import { type EnableMap, EnableMapSchema, enableMapFromJson, enableMapToJson } from '../../strategies/enable-map.js';
import { STRATEGIES, type StrategyName } from '../../strategies/registry.js';
import { RISK_SPACE, type SearchSpace, STRATEGY_SPACES, spaceJson } from '../../strategies/search-space.js';
import type { Strategy } from '../../strategies/strategy.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { BEARER } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

export interface StrategiesRouteDeps {
  readonly protocol: string;
  readonly strategies: ReadonlyMap<string, Strategy>;
  readonly enableMap: { current(): EnableMap; replace(map: EnableMap): void };
  /** Brain protocol only: the current selection per symbol and the research tallies. */
  readonly selection?: () => ReadonlyArray<{ symbol: string; regime: string; selection: Selection }>;
  /** The symbols on the user's list: whose live selection the user may see (operators see all). */
  readonly userSymbols: (userId: number) => Promise<readonly string[]>;
  readonly performance?: () => readonly StrategyRegimeStats[];
  /** Replacements of the enable map are written down here (a shared change: operators read it). */
  readonly audit?: AuditTrail;
}

const EnableMapOut = EnableMapSchema.meta({ id: 'EnableMap' });

const ParamValue = z.union([z.number(), z.string(), z.boolean()]);
const SearchSpaceOut = z
  .record(
    z.string(),
    z.object({
      type: z.enum(['int', 'float', 'choice']),
      min: z.number().optional(),
      max: z.number().optional(),
      step: z.number().optional().describe('grid spacing'),
      log: z.boolean().optional().describe('sampled uniformly in log space'),
      values: z.array(ParamValue).optional().describe('choice: the values'),
      default: ParamValue,
      doc: z.string(),
    }),
  )
  .meta({ id: 'SearchSpace' });

const StrategiesOut = z
  .object({
    protocol: z.string(),
    note: z.string(),
    strategies: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        params: z.record(z.string(), z.number()),
        param_docs: z.record(z.string(), z.string()),
        warmup: z.number().int(),
        enabled_in: z.array(z.enum(REGIMES)).describe('Regimes whose enable-map entry lists it'),
        search_space: SearchSpaceOut.describe('What `conclave research run` / POST /api/research/campaigns searches: type, range, default'),
      }),
    ),
    risk_search_space: SearchSpaceOut.describe(
      'Risk settings a campaign may search too (`--risk`, body.risk), named as in the config table',
    ),
    selection: z.array(
      z.object({
        symbol: z.string(),
        regime: z.string(),
        enabled: z.array(z.string()),
        waiting: z.array(z.object({ strategy: z.string(), want: z.enum(['on', 'off']), bars_left: z.number().int() })),
      }),
    ),
    performance: z
      .array(
        z.object({
          strategy: z.string(),
          regime: z.string(),
          signals: z.number().int(),
          scored: z.number().int(),
          hits: z.number().int(),
          sum_return: z.number(),
        }),
      )
      .describe('Research agent tallies: BUY/SELL signals scored against the next cycle price, before costs'),
    enable_map: EnableMapOut,
  })
  .meta({ id: 'Strategies' });

/** The strategies, which regimes enable them, the live selection, and the enable map (read and replace). */
export function registerStrategyRoutes(app: ApiApp, deps: StrategiesRouteDeps): void {
  const tags = ['strategies'];
  app.get(
    '/api/strategies',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'Strategies with parameters, the enable map, the live selection of your symbols (brain) and per-regime tallies',
        security: BEARER,
        response: { 200: StrategiesOut, 401: ErrorBody },
      },
    },
    async (request) => {
      const map = deps.enableMap.current();
      // The brain tracks every account's symbols; which ones tells what others trade.
      const mine = request.operator ? null : new Set(await deps.userSymbols(userIdOf(request)));
      return {
        protocol: deps.protocol,
        note: 'None of these strategies has a proven edge. Tallies are raw, before costs, and not significance-tested.',
        strategies: [...deps.strategies.values()].map((s) => ({
          name: s.name,
          description: s.description,
          params: { ...s.params },
          param_docs: { ...(STRATEGIES[s.name as StrategyName]?.paramDocs ?? {}) },
          warmup: s.warmup,
          enabled_in: REGIMES.filter((r) => (map.regimes[r] as readonly string[]).includes(s.name)),
          search_space: spaceJson((STRATEGY_SPACES as Record<string, SearchSpace | undefined>)[s.name] ?? { params: {} }),
        })),
        risk_search_space: spaceJson(RISK_SPACE),
        selection: (deps.selection?.() ?? [])
          .filter((x) => mine === null || mine.has(x.symbol))
          .map((x) => ({
            symbol: x.symbol,
            regime: x.regime,
            enabled: [...x.selection.enabled],
            waiting: x.selection.waiting.map((w) => ({ strategy: w.strategy, want: w.want, bars_left: w.barsLeft })),
          })),
        performance: (deps.performance?.() ?? []).map((p) => ({
          strategy: p.strategy,
          regime: p.regime,
          signals: p.signals,
          scored: p.scored,
          hits: p.hits,
          sum_return: p.sumReturn,
        })),
        enable_map: enableMapToJson(map),
      };
    },
  );
  app.get(
    '/api/strategies/enable-map',
    {
      config: { access: 'shared' },
      schema: {
        tags,
        summary: 'The enable map: regime -> strategies, and the switch cooldown in bars',
        security: BEARER,
        response: { 200: EnableMapOut, 401: ErrorBody },
      },
    },
    async () => enableMapToJson(deps.enableMap.current()),
  );
  app.put(
    '/api/strategies/enable-map',
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary:
          'Replace the enable map (operators only: it drives every account; validated; saved to ENABLE_MAP_PATH; used from the next cycle, cooldowns still apply)',
        description: 'The one enable map the brain protocol uses for every account. 403 FORBIDDEN for users who are not operators.',
        security: BEARER,
        body: EnableMapSchema,
        response: { 200: EnableMapOut, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const map = enableMapFromJson(request.body, 'enable map');
      const before = enableMapToJson(deps.enableMap.current());
      deps.enableMap.replace(map);
      await deps.audit?.record({
        userId: userIdOf(request),
        scope: 'shared',
        action: 'enable_map.replace',
        target: 'enable-map',
        oldValue: before,
        newValue: enableMapToJson(map),
      });
      return enableMapToJson(map);
    },
  );
}
