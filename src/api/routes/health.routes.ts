import { z } from 'zod';
import type { HealthReport } from '../../telemetry/health.js';
import type { ApiApp } from '../app-types.js';
import type { ApiDeps } from '../deps.js';

const Component = z.object({ status: z.enum(['ok', 'degraded', 'down']), details: z.record(z.string(), z.unknown()).optional() });
const Health = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    version: z.string(),
    uptime_s: z.number().optional().describe('Operators and the METRICS_TOKEN scraper only'),
    components: z.record(z.string(), Component),
  })
  .meta({ id: 'Health' });

/**
 * What everyone else sees: up/down per component and nothing more. Component details carry error text
 * (database, venue, agents' last errors, possibly of other accounts), model metrics and latencies.
 */
export function healthSummary(report: HealthReport): HealthReport {
  return {
    status: report.status,
    version: report.version,
    components: Object.fromEntries(Object.entries(report.components).map(([name, c]) => [name, { status: c.status }])),
  };
}

export function registerHealthRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Health per component (store, market feed, model, agents; queue with REDIS_URL); 503 when a component is down',
        description:
          "Open to anyone. Operators (and on loopback the local user) and the METRICS_TOKEN scraper also get each component's details and the uptime; everyone else gets only the status of each component.",
        response: { 200: Health, 503: Health },
      },
    },
    async (request, reply) => {
      const report = await deps.health();
      const full = request.operator || request.callerKind === 'metrics';
      return reply.status(report.status === 'down' ? 503 : 200).send(full ? report : healthSummary(report));
    },
  );
}
