import { buildApp } from './api/app.js';
import type { ApiApp } from './api/app-types.js';
import type { ApiDeps } from './api/deps.js';
import { registerScannerRoutes } from './api/routes/scanner.routes.js';
import { VERSION, type Runtime } from './runtime.js';
import { createScannerService } from './scanner/factory.js';

/** The API over a runtime, with every area's routes. The composition of HTTP areas lives here and only here. */
export async function buildServer(runtime: Runtime, extra: Partial<Pick<ApiDeps, 'extraRoutes'>> = {}): Promise<ApiApp> {
  const scanner = createScannerService(runtime.config, {
    now: () => runtime.clock.now(),
    log: runtime.log,
  });
  return buildApp(
    {
      version: VERSION,
      config: runtime.config,
      engine: runtime.engine,
      market: runtime.market,
      trades: runtime.store.trades,
      health: runtime.health,
      extraRoutes: [(app) => registerScannerRoutes(app, { scanner }), ...(extra.extraRoutes ?? [])],
    },
    { logger: runtime.log },
  );
}
