import { z } from 'zod';
import type { ApiApp } from '../app-types.js';

export interface MetricsRouteDeps {
  readonly metrics: { text(): Promise<string>; readonly contentType: string };
}

/** The first lines of a real answer (a test holds the HELP and TYPE lines to the live output). */
export const METRICS_EXAMPLE = [
  '# HELP conclave_cycles_total Trading cycles by result: ok (saved), error (failed, nothing saved), duplicate (idempotency key already used)',
  '# TYPE conclave_cycles_total counter',
  'conclave_cycles_total{result="ok"} 12',
  '',
].join('\n');

/** `GET /metrics`: Prometheus text exposition, documented in OpenAPI as text/plain. */
export function registerMetricsRoutes(app: ApiApp, deps: MetricsRouteDeps): void {
  app.get(
    '/metrics',
    {
      config: { access: 'metrics' },
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        description:
          'Off loopback only the METRICS_TOKEN bearer token opens it (user tokens are refused: 401); on loopback also without a token. ' +
          'Cycles, fills, denials, venue calls and guards, store and queue latency, per-account equity and drawdown by `user` label.',
        security: [{ metricsToken: [] }],
        produces: ['text/plain'],
        response: { 200: z.string().describe('OK: Prometheus text exposition').meta({ example: METRICS_EXAMPLE }) },
      },
    },
    async (_request, reply) => {
      const body = await deps.metrics.text();
      return reply.header('content-type', deps.metrics.contentType).send(body);
    },
  );
}
