import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer } from '../../../src/telemetry/metrics-server.js';

const metrics = { text: async () => 'conclave_up 1\n', contentType: 'text/plain; version=0.0.4' };
const TOKEN = 'scrape-token-0123456789';

describe('worker /metrics server', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('is open on loopback', async () => {
    const { server, port } = await startMetricsServer({ host: '127.0.0.1', port: 0, token: '', metrics });
    servers.push(server);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.contentType);
    expect(await res.text()).toBe('conclave_up 1\n');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it('off loopback answers only the bearer METRICS_TOKEN', async () => {
    const { server, port } = await startMetricsServer({ host: '0.0.0.0', port: 0, token: TOKEN, metrics });
    servers.push(server);
    const url = `http://127.0.0.1:${port}/metrics`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'expected Authorization: Bearer <METRICS_TOKEN>', details: {} },
    });
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('conclave_up 1\n');
  });

  it('refuses to listen off loopback without a token', async () => {
    await expect(startMetricsServer({ host: '0.0.0.0', port: 0, token: 'short', metrics })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('--metrics-host 0.0.0.0 is not loopback: set METRICS_TOKEN'),
    });
  });
});
