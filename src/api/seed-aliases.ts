/**
 * The seeds' own URLs (seed 002's Django paths with trailing slashes, seed 001's `/trades` and `/market/latest`)
 * answered by the platform's routes. An alias is rewritten to its target before routing, so it is the target
 * route itself: same handler, validation, auth gate, access declaration and rate-limit bucket (a second route
 * would get a bucket of its own and double the login attempts a client may make). OpenAPI lists each alias as a
 * copy of its target's operation marked `x-alias-of`.
 */
export interface RouteAlias {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path as the seed writes it; `:name` segments are parameters. */
  readonly alias: string;
  /** The platform route it is served by, with the same `:name` parameters. */
  readonly target: string;
  /** Parameters of the target's route template the alias fixes (`/api/agents/:name` as decision-maker). */
  readonly fixed?: Readonly<Record<string, string>>;
  /** The seed whose README names the URL. */
  readonly seed: '001' | '002';
}

export const SEED_ALIASES: readonly RouteAlias[] = [
  { method: 'POST', alias: '/api/auth/register/', target: '/api/auth/register', seed: '002' },
  { method: 'POST', alias: '/api/auth/login/', target: '/api/auth/login', seed: '002' },
  { method: 'POST', alias: '/api/auth/refresh/', target: '/api/auth/refresh', seed: '002' },
  { method: 'GET', alias: '/api/auth/me/', target: '/api/auth/me', seed: '002' },
  { method: 'GET', alias: '/api/trading/symbols/', target: '/api/symbols', seed: '002' },
  { method: 'POST', alias: '/api/trading/symbols/', target: '/api/symbols', seed: '002' },
  { method: 'GET', alias: '/api/trading/symbols/:id/', target: '/api/symbols/:id', seed: '002' },
  { method: 'DELETE', alias: '/api/trading/symbols/:id/', target: '/api/symbols/:id', seed: '002' },
  { method: 'GET', alias: '/api/trading/market-data/', target: '/api/market-data', seed: '002' },
  { method: 'GET', alias: '/api/trading/market-data/latest/', target: '/api/market-data/latest', seed: '002' },
  { method: 'POST', alias: '/api/trading/market-data/refresh/', target: '/api/market-data/refresh', seed: '002' },
  { method: 'GET', alias: '/api/trading/decisions/', target: '/api/decisions', seed: '002' },
  { method: 'POST', alias: '/api/trading/decisions/', target: '/api/decisions', seed: '002' },
  { method: 'GET', alias: '/api/trading/decisions/statistics/', target: '/api/decisions/statistics', seed: '002' },
  {
    method: 'GET',
    alias: '/api/trading/agents/market-monitor/',
    target: '/api/agents/:name',
    fixed: { name: 'market-monitor' },
    seed: '002',
  },
  { method: 'POST', alias: '/api/trading/agents/market-monitor/', target: '/api/agents/market-monitor', seed: '002' },
  {
    method: 'GET',
    alias: '/api/trading/agents/decision-maker/',
    target: '/api/agents/:name',
    fixed: { name: 'decision-maker' },
    seed: '002',
  },
  // The seed's "request an analysis" with {"symbol_id": 1}: POST /api/decisions takes a symbol id as well.
  { method: 'POST', alias: '/api/trading/agents/decision-maker/', target: '/api/decisions', seed: '002' },
  { method: 'GET', alias: '/api/trading/agents/execution/', target: '/api/agents/:name', fixed: { name: 'execution' }, seed: '002' },
  { method: 'GET', alias: '/trades', target: '/trading/trades', seed: '001' },
  { method: 'GET', alias: '/market/latest', target: '/trading/market/latest', seed: '001' },
];

interface CompiledAlias {
  readonly spec: RouteAlias;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

const PARAM_RE = /:([A-Za-z_][A-Za-z0-9_]*)/g;

function compile(spec: RouteAlias): CompiledAlias {
  const names: string[] = [];
  const source = spec.alias
    .split(PARAM_RE)
    .map((part, i) => {
      if (i % 2 === 1) {
        names.push(part);
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return { spec, pattern: new RegExp(`^${source}$`), names };
}

/** The target path of a concrete alias path, or null when `method path` is no alias. */
export function aliasTarget(aliases: readonly RouteAlias[]): (method: string, url: string) => string | null {
  const compiled = aliases.map(compile);
  return (method, url) => {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    for (const c of compiled) {
      if (c.spec.method !== method) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      const values: Record<string, string> = { ...c.spec.fixed };
      c.names.forEach((name, i) => {
        values[name] = m[i + 1];
      });
      const target = c.spec.target.replace(PARAM_RE, (_, name: string) => values[name] ?? `:${name}`);
      return q === -1 ? target : target + url.slice(q);
    }
    return null;
  };
}

/** Fastify's `rewriteUrl`: an alias becomes its target before routing; every other URL is left alone. */
export function seedAliasRewriter(aliases: readonly RouteAlias[] = SEED_ALIASES): (req: { method?: string; url?: string }) => string {
  const target = aliasTarget(aliases);
  return (req) => {
    const url = req.url ?? '/';
    return target(req.method ?? 'GET', url) ?? url;
  };
}

const openapiPath = (template: string) => template.replace(PARAM_RE, '{$1}');

interface OpenApiOperation {
  summary?: string;
  description?: string;
  parameters?: Array<{ in?: string; name?: string }>;
  [key: string]: unknown;
}

/**
 * Adds every alias to an OpenAPI document as a copy of its target's operation: summary "Alias of ...", the
 * `x-alias-of` extension naming the target, and the target's path parameters minus those the alias fixes. An
 * alias whose target this app does not serve (an app built without that area) is left out, as it would answer 404.
 */
export function documentAliases<T extends { paths?: unknown }>(document: T, aliases: readonly RouteAlias[] = SEED_ALIASES): T {
  // The OpenAPI typings differ per version; only path items keyed by lower-case method are read or written.
  const paths: Record<string, Record<string, unknown> | undefined> = { ...(document.paths as object | undefined) };
  for (const a of aliases) {
    const method = a.method.toLowerCase();
    const target = paths[openapiPath(a.target)]?.[method] as OpenApiOperation | undefined;
    if (!target) continue;
    const fixed = a.fixed ?? {};
    const shown = a.target.replace(PARAM_RE, (whole, name: string) => fixed[name] ?? whole);
    const operation: OpenApiOperation = {
      ...target,
      summary: `Alias of ${a.method} ${shown}`,
      description: `Seed ${a.seed}'s URL for \`${a.method} ${shown}\` (${target.summary ?? ''}): the same route, auth and answers.`,
      'x-alias-of': `${a.method} ${shown}`,
      deprecated: false,
    };
    if (target.parameters) operation.parameters = target.parameters.filter((p) => !(p.in === 'path' && p.name && p.name in fixed));
    delete operation.operationId;
    const key = openapiPath(a.alias);
    paths[key] = { ...paths[key], [method]: operation };
  }
  return { ...document, paths };
}
