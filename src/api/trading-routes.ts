import { intervalMs } from '../domain/candle.js';
import type { Runtime } from '../runtime.js';
import { auditTrail } from '../services/audit-trail.js';
import type { ApiApp } from './app-types.js';
import { registerCycleRoutes } from './routes/cycles.routes.js';
import { registerPerformanceRoutes } from './routes/performance.routes.js';
import { registerPortfolioRoutes } from './routes/portfolio.routes.js';
import { registerRegimeRoutes } from './routes/regime.routes.js';
import { registerRiskRoutes } from './routes/risk.routes.js';
import { registerStrategyRoutes } from './routes/strategies.routes.js';

/** Portfolio, performance, risk, strategies, regime and cycle routes over a runtime (pass as ApiDeps.extraRoutes). */
export function tradingAreaRoutes(runtime: Runtime): Array<(app: ApiApp) => void> {
  const { trading, engine, store, books, market, clock } = runtime;
  const equity = async (userId: number) => (await books.peek(userId)).equity(engine.marks);
  const userSymbols = async (userId: number) => (await store.symbols.list(userId)).map((s) => s.symbol);
  const audit = auditTrail(store.audit, () => clock.now());
  return [
    (app) =>
      registerPortfolioRoutes(app, {
        books,
        marks: engine.marks,
        equityCurve: (userId, q) => store.portfolio.equityCurve(userId, q),
        governor: trading.governor,
        now: () => clock.now(),
      }),
    (app) =>
      registerPerformanceRoutes(app, {
        fills: async (userId, limit) =>
          (await store.trades.fills(userId, limit)).map((t) => ({
            orderId: t.orderId,
            symbol: t.symbol,
            side: t.action,
            quantity: t.quantity,
            price: t.price,
            executionPrice: t.executionPrice ?? t.price,
            fee: t.fee,
            time: t.timestamp,
            strategy: t.strategy,
            reason: t.reason,
          })),
        equity: (userId, limit) => store.portfolio.equityCurve(userId, { limit }),
        barMs: intervalMs(runtime.config.KLINE_INTERVAL),
      }),
    (app) => registerRiskRoutes(app, { governor: trading.governor, equity, audit }),
    (app) =>
      registerStrategyRoutes(app, {
        protocol: engine.protocolName,
        strategies: trading.strategies,
        enableMap: trading.enableMap,
        selection: trading.brain ? () => trading.brain!.selection.current() : undefined,
        userSymbols,
        performance: trading.brain ? () => trading.brain!.research.stats() : undefined,
        audit,
      }),
    (app) =>
      registerRegimeRoutes(app, {
        config: trading.regimeConfig,
        tracked: () => trading.brain?.regime.current() ?? [],
        userSymbols,
        resolveSymbol: (input) => market.resolveSymbol(input),
        snapshot: (symbol) => market.snapshot(symbol),
      }),
    (app) => registerCycleRoutes(app, { cycles: store.cycles, resolveSymbol: (input) => market.resolveSymbol(input) }),
  ];
}
