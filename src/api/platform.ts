import { AuthService } from '../auth/auth-service.js';
import { signingSecret } from '../auth/signing-secret.js';
import { TokenService } from '../auth/token-service.js';
import type { AppConfig } from '../config.js';
import { isConclaveError } from '../domain/errors.js';
import type { AgentRegistry } from '../engine/agent-registry.js';
import type { Clock } from '../engine/clock.js';
import type { MonitoringControl } from '../engine/monitoring.js';
import type { TradingEngine } from '../engine/trading-engine.js';
import type { MarketHalts } from '../market/market-halts.js';
import type { TradingModel } from '../ml/model.js';
import { AgentService } from '../services/agent-service.js';
import { auditTrail } from '../services/audit-trail.js';
import { DecisionService } from '../services/decision-service.js';
import { MarketDataService } from '../services/market-data-service.js';
import type { MarketReader, SymbolResolver } from '../services/ports.js';
import { SymbolService } from '../services/symbol-service.js';
import type { Store } from '../store/db.js';
import type { ApiApp } from './app-types.js';
import { bearerToken, installAuthGate } from './auth-plugin.js';
import { agentJson, monitoringJson, registerAgentRoutes } from './routes/agents.routes.js';
import { registerAuthRoutes } from './routes/auth.routes.js';
import { registerDecisionRoutes } from './routes/decisions.routes.js';
import { registerMarketDataRoutes } from './routes/market-data.routes.js';
import { registerModelRoutes } from './routes/model.routes.js';
import { registerSymbolRoutes } from './routes/symbols.routes.js';
import { userIdOf } from './user.js';
import { registerWebSocket } from './ws.js';
import { type AccessCheck, LiveHub, marketHaltMessage } from './ws-hub.js';

/** What the platform API (auth, symbols, market data, decisions, agents, /ws) is built from; wired in server.ts. */
export interface PlatformDeps {
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly store: Pick<Store, 'users' | 'symbols' | 'snapshots' | 'decisions' | 'candles' | 'audit'>;
  /** One observation of a symbol on its venue. */
  readonly market: MarketReader;
  readonly engine: Pick<TradingEngine, 'onCycle'>;
  readonly registry: Pick<AgentRegistry, 'forUser' | 'getForUser'>;
  readonly model: () => TradingModel;
  readonly monitoring: MonitoringControl;
  /** Halts of the price-jump guard, pushed to every /ws client as `market_halt`. */
  readonly marketHalts?: Pick<MarketHalts, 'onChange'>;
}

export interface Platform {
  /** Pass as ApiDeps.installAuth: the gate must precede every route. */
  readonly installAuth: (app: ApiApp) => void;
  /** Pass as ApiDeps.extraRoutes. */
  readonly routes: ReadonlyArray<(app: ApiApp) => Promise<void>>;
  readonly hub: LiveHub;
  readonly tokens: TokenService;
  /** Stops listening to the engine. */
  close(): void;
}

/**
 * Builds the platform services and their HTTP/WebSocket edge.
 * @throws ConclaveError CONFIG_INVALID when HOST is not loopback and JWT_SECRET is missing: the server refuses
 * to start rather than serve unauthenticated; or when the loopback secret file (DATA_DIR/jwt-secret) is unusable.
 */
export function createPlatform(deps: PlatformDeps): Platform {
  const { config, clock, store } = deps;
  const now = () => clock.now();
  // The venue stored with a symbol is the one that will serve it, not the one its shape suggests.
  const resolve: SymbolResolver = (input) => deps.market.locate(input);
  const tokens = new TokenService({
    secret: signingSecret(config),
    accessTtlS: config.ACCESS_TOKEN_TTL_S,
    refreshTtlS: config.REFRESH_TOKEN_TTL_S,
    now,
    refreshStore: store.users,
  });
  const auth = new AuthService(store.users, tokens, { now, operators: config.OPERATORS });
  const symbols = new SymbolService({
    symbols: store.symbols,
    snapshots: store.snapshots,
    market: deps.market,
    resolve,
    defaultInterval: config.KLINE_INTERVAL,
    now,
  });
  const marketData = new MarketDataService({
    symbols: store.symbols,
    snapshots: store.snapshots,
    candles: store.candles,
    market: deps.market,
    resolve,
    interval: config.KLINE_INTERVAL,
  });
  const decisions = new DecisionService({
    decisions: store.decisions,
    symbols: store.symbols,
    snapshots: store.snapshots,
    market: deps.market,
    resolve,
    model: deps.model,
    minConfidence: config.MIN_CONFIDENCE,
    clock,
  });
  const agents = new AgentService({ registry: deps.registry, monitoring: deps.monitoring, defaultInterval: config.KLINE_INTERVAL });
  const hub = new LiveHub({ now, maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES });

  // Each live client sees the counters of its own account's cycles only, like GET /api/agents.
  const agentsSnapshot = (userId: number) =>
    deps.registry.forUser(userId).map((s) => agentJson({ ...s, health: health(s), monitoring: null }));
  const unsubscribe = deps.engine.onCycle((outcome) => hub.publishCycle(outcome, agentsSnapshot(outcome.userId)));
  const stopHalts = deps.marketHalts?.onChange((e) => hub.broadcast(marketHaltMessage(e)));
  const onMonitoringChange = (userId: number) => {
    // Status changes reach live clients without a poll; a failure here must not fail the HTTP request.
    deps.monitoring
      .status(userId)
      .then((m) => hub.publish(userId, { type: 'agent_status', data: { monitoring: monitoringJson(m) } }))
      .catch(() => {});
  };

  return {
    installAuth: (app) =>
      installAuthGate(app, {
        isLoopback: config.isLoopback,
        authenticate: (t) => auth.authenticate(t),
        metricsToken: config.METRICS_TOKEN,
      }),
    routes: [
      (app) => registerAuthRoutes(app, { auth, rateLimit: { max: config.AUTH_RATE_LIMIT, windowMs: 60_000 } }),
      async (app) => {
        registerSymbolRoutes(app, symbols, auditTrail(store.audit, now));
        registerMarketDataRoutes(app, marketData, now);
        registerDecisionRoutes(app, decisions);
        registerModelRoutes(app, deps.model);
        registerAgentRoutes(app, agents, onMonitoringChange);
      },
      (app) =>
        registerWebSocket(
          app,
          hub,
          (s) => resolve(s).symbol,
          (request) => {
            // The gate accepted this token a moment ago; without one (the local user on loopback) there is nothing to revoke.
            const token = bearerToken(request, '/ws');
            return token ? accessCheck(auth, token, userIdOf(request)) : undefined;
          },
        ),
    ],
    hub,
    tokens,
    close: () => {
      unsubscribe();
      stopHalts?.();
      hub.close();
    },
  };
}

/** A live socket's token, checked again as on every request: null while good, else the reason it is not. */
function accessCheck(auth: AuthService, token: string, userId: number): AccessCheck {
  return async () => {
    try {
      const caller = await auth.authenticate(token);
      return caller.userId === userId ? null : 'token: names another user';
    } catch (error) {
      if (isConclaveError(error, 'UNAUTHORIZED')) return error.message;
      throw error;
    }
  };
}

function health(s: { runs: number; lastErrorAt: number | null; lastRunAt: number | null }): 'idle' | 'ok' | 'error' {
  return s.runs === 0 ? 'idle' : s.lastErrorAt !== null && s.lastErrorAt === s.lastRunAt ? 'error' : 'ok';
}
