import { z } from 'zod';
import { iso } from '../../engine/cycle-response.js';
import type { MonitoringStatus } from '../../engine/monitoring.js';
import { type AgentService, type AgentView, MONITOR_AGENT } from '../../services/agent-service.js';
import type { ApiApp } from '../app-types.js';
import { ErrorBody } from '../errors.js';
import { AgentOut, AgentParams, BEARER, MonitorControlBody, Monitoring } from '../platform-schemas.js';
import { userIdOf } from '../user.js';

const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function monitoringJson(m: MonitoringStatus): z.infer<typeof Monitoring> {
  return {
    running: m.running,
    interval: m.interval,
    symbols: [...m.symbols],
    started_at: isoOrNull(m.startedAt),
    last_cycle_at: isoOrNull(m.lastCycleAt),
    cycles_run: m.cyclesRun,
    missed_ticks: m.missedTicks,
    errors: m.errors,
    last_error: m.lastError,
  };
}

export function agentJson(a: AgentView): z.infer<typeof AgentOut> {
  return {
    name: a.name,
    health: a.health,
    runs: a.runs,
    errors: a.errors,
    last_run_at: isoOrNull(a.lastRunAt),
    last_latency_ms: a.lastLatencyMs,
    last_error: a.lastError,
    last_error_at: isoOrNull(a.lastErrorAt),
    monitoring: a.monitoring ? monitoringJson(a.monitoring) : null,
  };
}

/** Agent heartbeats and the start/stop switch of continuous monitoring. */
export function registerAgentRoutes(app: ApiApp, agents: AgentService, onMonitoringChange: (userId: number) => void): void {
  const tags = ['agents'];
  app.get(
    '/api/agents',
    {
      // With REDIS_URL the monitoring status is read from Redis.
      config: { access: 'user', errors: ['QUEUE_UNAVAILABLE'] },
      schema: {
        tags,
        summary: 'Every agent: health, runs, errors, last run (heartbeat)',
        security: BEARER,
        response: { 200: z.array(AgentOut), 401: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => (await agents.list(userIdOf(request))).map(agentJson),
  );

  app.get(
    '/api/agents/:name',
    {
      config: { access: 'user', errors: ['NOT_FOUND', 'QUEUE_UNAVAILABLE'] },
      schema: {
        tags,
        summary: 'One agent; market-monitor also shows your monitoring schedule',
        security: BEARER,
        params: AgentParams,
        response: { 200: AgentOut, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => agentJson(await agents.get(userIdOf(request), request.params.name)),
  );

  app.post(
    `/api/agents/${MONITOR_AGENT}`,
    {
      // With REDIS_URL the schedule lives in Redis: down or past REDIS_COMMAND_TIMEOUT_MS, nothing is changed.
      config: { access: 'user', errors: ['CONFLICT', 'QUEUE_UNAVAILABLE'] },
      schema: {
        tags,
        summary: 'Start or stop continuous monitoring and paper trading of your active symbols',
        description:
          '`start` runs one cycle per active symbol at every close of `interval` candles; `start` while running changes the interval. The state is stored, so a restarted server resumes it.',
        security: BEARER,
        body: MonitorControlBody,
        response: { 200: Monitoring, 401: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const userId = userIdOf(request);
      const status = await agents.control(userId, request.body.action, request.body.interval);
      onMonitoringChange(userId);
      return monitoringJson(status);
    },
  );
}
