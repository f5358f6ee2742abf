import { buildApp } from './api/app.js';
import type { ApiApp } from './api/app-types.js';
import type { ApiDeps } from './api/deps.js';
import { VERSION, type Runtime } from './runtime.js';

/** The API over a runtime, with every area's routes. */
export async function buildServer(runtime: Runtime, extra: Partial<Pick<ApiDeps, 'extraRoutes'>> = {}): Promise<ApiApp> {
  return buildApp(
    {
      version: VERSION,
      config: runtime.config,
      engine: runtime.engine,
      market: runtime.market,
      trades: runtime.store.trades,
      health: runtime.health,
      extraRoutes: extra.extraRoutes ?? [],
    },
    { logger: runtime.log },
  );
}
