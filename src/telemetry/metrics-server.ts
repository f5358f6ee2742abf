import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../config.js';
import { ConclaveError } from '../domain/errors.js';

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  /** METRICS_TOKEN: required as `Authorization: Bearer <token>` when `host` is not loopback. */
  readonly token: string;
  readonly metrics: { text(): Promise<string>; readonly contentType: string };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A worker's own `/metrics` endpoint. On loopback it is open, like the API's; on any other address (a container
 * scraped over a network) it answers only a bearer METRICS_TOKEN, and refuses to start without one.
 * @throws ConclaveError CONFIG_INVALID off loopback without a token (at least 16 characters).
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<{ server: Server; port: number }> {
  const open = isLoopbackHost(options.host);
  if (!open && options.token.length < 16) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `--metrics-host ${options.host} is not loopback: set METRICS_TOKEN (at least 16 characters); Prometheus scrapes with it as a bearer token`,
      { field: 'METRICS_TOKEN' },
    );
  }
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'only /metrics is served here', details: {} } }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!open && !sameSecret(token, options.token)) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'expected Authorization: Bearer <METRICS_TOKEN>', details: {} } }));
      return;
    }
    options.metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(body),
      (error: Error) =>
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: error.message, details: {} } })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
