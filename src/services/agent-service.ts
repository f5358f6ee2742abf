import type { Interval } from '../domain/candle.js';
import { ConclaveError } from '../domain/errors.js';
import type { AgentStatus } from '../engine/agent-registry.js';
import type { MonitoringControl, MonitoringStatus } from '../engine/monitoring.js';

/** `idle`: never ran; `ok`: its last run succeeded; `error`: its last run failed. */
export type AgentHealth = 'idle' | 'ok' | 'error';

export interface AgentView extends AgentStatus {
  readonly health: AgentHealth;
  /** The user's continuous monitoring (market-monitor only). */
  readonly monitoring: MonitoringStatus | null;
}

export const MONITOR_AGENT = 'market-monitor';

export interface AgentServiceDeps {
  readonly registry: {
    forUser(userId: number): AgentStatus[];
    getForUser(userId: number, name: string): AgentStatus | undefined;
  };
  readonly monitoring: MonitoringControl;
  readonly defaultInterval: Interval;
}

/**
 * Agent heartbeats of the user's own cycles joined with the user's monitoring schedule, and start/stop of
 * that schedule. Process-wide counters (with every account's error texts) are the operator's, on /health.
 */
export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  async list(userId: number): Promise<AgentView[]> {
    const monitoring = await this.deps.monitoring.status(userId);
    const statuses = this.deps.registry.forUser(userId);
    if (!statuses.some((s) => s.name === MONITOR_AGENT)) statuses.unshift(neverRan(MONITOR_AGENT));
    return statuses.map((s) => view(s, s.name === MONITOR_AGENT ? monitoring : null));
  }

  /** @throws ConclaveError NOT_FOUND for a name no agent has. */
  async get(userId: number, name: string): Promise<AgentView> {
    const status = this.deps.registry.getForUser(userId, name) ?? (name === MONITOR_AGENT ? neverRan(name) : undefined);
    if (!status) {
      const known = this.deps.registry
        .forUser(userId)
        .map((s) => s.name)
        .join(', ');
      throw new ConclaveError('NOT_FOUND', `agent "${name}": expected one of ${known}`, { name });
    }
    return view(status, name === MONITOR_AGENT ? await this.deps.monitoring.status(userId) : null);
  }

  /** Starts (or re-times) or stops continuous monitoring and trading of the user's active symbols. */
  async control(userId: number, action: 'start' | 'stop', interval?: Interval): Promise<MonitoringStatus> {
    return action === 'start'
      ? this.deps.monitoring.start(userId, interval ?? this.deps.defaultInterval, { chosen: interval !== undefined })
      : this.deps.monitoring.stop(userId);
  }
}

function neverRan(name: string): AgentStatus {
  return { name, runs: 0, errors: 0, lastRunAt: null, lastLatencyMs: null, lastError: null, lastErrorAt: null };
}

function view(s: AgentStatus, monitoring: MonitoringStatus | null): AgentView {
  const health: AgentHealth = s.runs === 0 ? 'idle' : s.lastErrorAt !== null && s.lastErrorAt === s.lastRunAt ? 'error' : 'ok';
  return { ...s, health, monitoring };
}

/**
 * Stands in when no scheduler is wired (a CLI one-shot, or a build without one): reports monitoring as
 * stopped and refuses to start it, saying why, instead of pretending to run.
 */
export function unavailableMonitoring(interval: Interval): MonitoringControl {
  const stopped = (userId: number): MonitoringStatus => ({
    userId,
    running: false,
    interval,
    symbols: [],
    startedAt: null,
    lastCycleAt: null,
    cyclesRun: 0,
    missedTicks: 0,
    errors: 0,
    lastError: null,
  });
  return {
    start: () =>
      Promise.reject(new ConclaveError('CONFLICT', 'monitoring: no scheduler is running in this process (start with `conclave serve`)')),
    stop: async (userId) => stopped(userId),
    status: async (userId) => stopped(userId),
  };
}
