import type { AppConfig } from '../config.js';
import type { MarketService } from '../engine/market-service.js';
import type { TradingEngine } from '../engine/trading-engine.js';
import type { HealthReport } from '../telemetry/health.js';
import type { ApiApp } from './app-types.js';

/** A stored trade as the seed's `/trading/trades` shows it. */
export interface TradeView {
  readonly id: number;
  readonly orderId: string;
  readonly cycleId: number | null;
  readonly symbol: string;
  readonly action: 'BUY' | 'SELL';
  readonly status: 'FILLED' | 'REJECTED';
  readonly quantity: number;
  readonly price: number;
  readonly executionPrice: number | null;
  readonly fee: number;
  readonly timestamp: number;
  readonly reason: string | null;
  readonly modelVersion: string | null;
  readonly strategy: string | null;
}

/** Application services the HTTP edge calls; wired in main.ts. */
export interface ApiDeps {
  readonly version: string;
  readonly config: AppConfig;
  readonly engine: TradingEngine;
  readonly market: MarketService;
  readonly trades: { recent(userId: number, limit: number): Promise<readonly TradeView[]> };
  readonly health: () => Promise<HealthReport>;
  /** Installs the auth gate (src/api/auth-plugin.ts) before any route; without it every request acts as the local user. */
  readonly installAuth?: (app: ApiApp) => void;
  /** Route modules of further areas (platform, portfolio, backtests, scanner...), registered in order. */
  readonly extraRoutes?: ReadonlyArray<(app: ApiApp) => void | Promise<void>>;
}
