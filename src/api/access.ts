import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * Who may call a route. Every route declares exactly one class in its route config (`config: { access }`);
 * the auth gate (auth-plugin.ts) enforces it and nothing else decides access.
 */
export const ACCESS_CLASSES = {
  public: 'anyone, without a token: health (summary), docs, the dashboard files, register/login/refresh',
  metrics: 'Prometheus: the METRICS_TOKEN bearer token; on loopback also without a token. User tokens are refused',
  user: "a signed-in user; the route reads and writes only the caller's own rows (book, symbols, cycles, schedules...)",
  shared: 'a signed-in user; the route reads data that is the same for everyone (venue candles, the shared scan, the enable map)',
  operator: 'an operator (OPERATORS, `conclave user grant-operator`, or the local user on loopback); changes what everyone shares',
} as const;

export type Access = keyof typeof ACCESS_CLASSES;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's access class (src/api/access.ts); required on every route. */
    access?: Access;
  }
}

export function isAccess(value: unknown): value is Access {
  return typeof value === 'string' && Object.hasOwn(ACCESS_CLASSES, value);
}

/** One registered route and its declared class (null when it declared none: the server then refuses to start). */
export interface RouteAccess {
  readonly method: string;
  readonly url: string;
  readonly access: Access | null;
}

const tables = new WeakMap<object, RouteOptions[]>();

/**
 * Records every route registered on `app` (and its children) and refuses to start (onReady) when one of them
 * declares no access class, so a new route cannot be reached before someone decided who may call it.
 * Must run before any route is registered.
 */
export function trackRouteAccess(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  tables.set(app, routes);
  // The options object is kept, not copied: a plugin scope's own onRoute hook (grantPluginRoutes) runs after
  // this one and may still set the class.
  app.addHook('onRoute', (options) => {
    routes.push(options);
  });
  app.addHook('onReady', async () => {
    const missing = routeAccessTable(app).filter((r) => r.access === null);
    if (missing.length > 0) {
      throw new Error(
        `routes without an access class (config.access, one of ${Object.keys(ACCESS_CLASSES).join(', ')}): ${missing
          .map((r) => `${r.method} ${r.url}`)
          .join(', ')}`,
      );
    }
  });
}

/** The options of every route registered on `app` so far (the objects Fastify holds, after plugins' hooks ran). */
export function registeredRoutes(app: FastifyInstance): readonly RouteOptions[] {
  const routes = tables.get(app);
  if (!routes) throw new Error('registeredRoutes: trackRouteAccess was not installed on this app');
  return routes;
}

/** Every registered route with its class, one row per method (HEAD twins included). */
export function routeAccessTable(app: FastifyInstance): RouteAccess[] {
  return registeredRoutes(app).flatMap((r) => {
    const access = isAccess(r.config?.access) ? r.config.access : null;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    return methods.map((method) => ({ method: String(method), url: r.url, access }));
  });
}

/**
 * For routes a third-party plugin registers (Swagger UI, static files): every route of `scope` (the wrapper
 * the plugin is registered in) without a class gets `access`.
 */
export function grantPluginRoutes(scope: FastifyInstance, access: Access): void {
  scope.addHook('onRoute', (options) => {
    if (!isAccess(options.config?.access)) options.config = { ...options.config, access };
  });
}
