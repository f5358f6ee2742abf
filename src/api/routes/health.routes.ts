import { z } from 'zod';
import type { ApiApp } from '../app-types.js';
import type { ApiDeps } from '../deps.js';

const Component = z.object({ status: z.enum(['ok', 'degraded', 'down']), details: z.record(z.string(), z.unknown()).optional() });
const Health = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    version: z.string(),
    uptime_s: z.number(),
    components: z.record(z.string(), Component),
  })
  .meta({ id: 'Health' });

export function registerHealthRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        summary: 'Health per component (store, market feed, model, agents); 503 when a component is down',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const report = await deps.health();
      return reply.status(report.status === 'down' ? 503 : 200).send(report);
    },
  );
}
