import type { SchedulerHooks } from '../engine/scheduler.js';
import type { Logger } from '../telemetry/logger.js';

export interface BannerInput {
  readonly version: string;
  /** The listening address, `http://127.0.0.1:8000`. */
  readonly address: string;
  readonly source: string;
  readonly protocol: string;
  /** The interval the local user trades on, or null when auto-trading is off. */
  readonly autoTrade: string | null;
  readonly database: string;
  readonly modelPath: string;
}

/** The start-up banner: where to click, what runs, where the state lives, how to stop. */
export function banner(b: BannerInput): string {
  const trading = b.autoTrade
    ? `auto-trade on, one cycle per ${b.autoTrade} candle`
    : 'auto-trade off (POST /api/agents/market-monitor {"action":"start"})';
  return [
    `Conclave ${b.version}: paper trading on ${b.source}, ${b.protocol} protocol, ${trading}`,
    `  Dashboard  ${b.address}/`,
    `  API docs   ${b.address}/docs`,
    `  Database   ${b.database}`,
    `  Model      ${b.modelPath}`,
    '  Ctrl-C finishes the running cycle and writes the session report',
  ].join('\n');
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Scheduler events a person should see: failed cycles, missed ticks, a rebased or re-timed schedule. */
export function scheduleLogHooks(log: Logger): SchedulerHooks {
  return {
    onCycle: (result, info) => {
      if (result === 'error')
        log.warn({ cycle_key: info.key, code: info.code, err: info.message }, `scheduled cycle of ${info.symbol} failed`);
    },
    onMissed: (userId, ticks) => log.warn({ user_id: userId, ticks }, 'scheduled ticks missed'),
    onRebased: (userId, info) =>
      log.warn(
        { user_id: userId, stored_boundary: iso(info.storedBoundary), now: iso(info.now) },
        `schedule rebased: its last candle (${iso(info.storedBoundary)}) is after the clock (${iso(info.now)}), another clock or source ran on this database; trading continues from now`,
      ),
    onRetimed: (userId, info) =>
      log.warn(
        { user_id: userId, from: info.from, to: info.to },
        `schedule re-timed from ${info.from} to ${info.to} to follow KLINE_INTERVAL`,
      ),
  };
}
