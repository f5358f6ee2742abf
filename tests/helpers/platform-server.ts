import pino from 'pino';
import type { ApiApp } from '../../src/api/app-types.js';
import type { AppConfig } from '../../src/config.js';
import type { Interval } from '../../src/domain/candle.js';
import { SimClock } from '../../src/engine/clock.js';
import type { MonitoringControl, MonitoringStatus } from '../../src/engine/monitoring.js';
import type { TradingModel } from '../../src/ml/model.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';
import { testConfig } from './runtime.js';

/** A monitoring control that only records what it was told: the scheduler itself is tested elsewhere. */
export class FakeMonitoring implements MonitoringControl {
  readonly calls: string[] = [];
  private readonly states = new Map<number, MonitoringStatus>();

  constructor(private readonly now: () => number) {}

  async start(userId: number, interval: Interval): Promise<MonitoringStatus> {
    this.calls.push(`start ${userId} ${interval}`);
    const s = { ...(await this.status(userId)), running: true, interval, startedAt: this.now() };
    this.states.set(userId, s);
    return s;
  }

  async stop(userId: number): Promise<MonitoringStatus> {
    this.calls.push(`stop ${userId}`);
    const s = { ...(await this.status(userId)), running: false };
    this.states.set(userId, s);
    return s;
  }

  async status(userId: number): Promise<MonitoringStatus> {
    return (
      this.states.get(userId) ?? {
        userId,
        running: false,
        interval: '1h',
        symbols: [],
        startedAt: null,
        lastCycleAt: null,
        cyclesRun: 0,
        missedTicks: 0,
        errors: 0,
        lastError: null,
      }
    );
  }
}

export interface PlatformServer {
  readonly runtime: Runtime;
  readonly app: ApiApp;
  readonly url: string;
  readonly clock: SimClock;
  readonly config: AppConfig;
  /** The injected fake (not wired when `realScheduler` is set). */
  readonly monitoring: FakeMonitoring;
  close(): Promise<void>;
}

/**
 * The real server (auth gate, platform routes, /ws) over a temp SQLite file, listening on 127.0.0.1 whatever
 * HOST says, so a non-loopback config can be tested without exposing a port: the auth decision comes from
 * config, not from the socket.
 */
export async function startPlatformServer(
  env: Record<string, string>,
  opts: { now: number; model?: TradingModel; realScheduler?: boolean },
): Promise<PlatformServer> {
  // Rate limits are tripped only where a test sets AUTH_RATE_LIMIT; the venue cache stays at its default.
  const config = testConfig({ AUTH_RATE_LIMIT: '1000', MARKET_CACHE_TTL_MS: '1000', ...env }, 'conclave-platform-');
  const clock = new SimClock(opts.now);
  const runtime = await createRuntime(config, pino({ level: 'silent' }), { clock, model: opts.model });
  const monitoring = new FakeMonitoring(() => clock.now());
  try {
    const app = await buildServer(runtime, opts.realScheduler ? {} : { monitoring });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      runtime,
      app,
      url,
      clock,
      config,
      monitoring,
      close: async () => {
        await app.close();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
