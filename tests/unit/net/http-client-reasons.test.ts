import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ConclaveError } from '../../../src/domain/errors.js';
import { HttpClient } from '../../../src/net/http-client.js';

async function failure(baseUrl: string, timeoutMs = 2000): Promise<ConclaveError> {
  const client = new HttpClient({ name: 'venue', baseUrl, timeoutMs, retries: 0 });
  const error = await client.request('/x').then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConclaveError);
  return error as ConclaveError;
}

/** A port that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('HttpClient says why a venue gave no answer', () => {
  const open: Server[] = [];
  afterAll(() => {
    for (const s of open) s.close();
  });

  it('refused: nothing listens on the port', async () => {
    const error = await failure(`http://127.0.0.1:${await closedPort()}`);
    expect(error.code).toBe('MARKET_DATA_UNAVAILABLE');
    expect(error.details).toMatchObject({ reason: 'refused' });
    expect(error.message).toContain('connection refused');
  });

  it('dns: the host name does not resolve (.invalid never does)', async () => {
    const error = await failure('http://venue.invalid');
    expect(error.details).toMatchObject({ reason: 'dns' });
    expect(error.message).toContain('DNS lookup failed');
  });

  it('timeout: the server accepts and never answers', async () => {
    const server = createServer(() => {});
    open.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const error = await failure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 150);
    expect(error.details).toMatchObject({ reason: 'timeout' });
    expect(error.message).toContain('timed out after 150 ms');
  });

  it('http_5xx: the server answers with errors', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end('{}'));
    open.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const error = await failure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(error.details).toMatchObject({ reason: 'http_5xx' });
  });
});
