import type { ApiApp } from '../app-types.js';

export interface MetricsRouteDeps {
  readonly metrics: { text(): Promise<string>; readonly contentType: string };
}

/** `GET /metrics`: Prometheus text exposition (kept out of the OpenAPI document: it is not JSON API). */
export function registerMetricsRoutes(app: ApiApp, deps: MetricsRouteDeps): void {
  app.get('/metrics', { schema: { hide: true }, config: { access: 'metrics' } }, async (_request, reply) => {
    const body = await deps.metrics.text();
    return reply.header('content-type', deps.metrics.contentType).send(body);
  });
}
