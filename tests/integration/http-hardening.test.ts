import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../src/api/app-types.js';
import type { ERROR_CODES } from '../../src/domain/errors.js';
import { SimClock } from '../../src/engine/clock.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { buildServer } from '../../src/server.js';
import { openRaw, parseRawAnswer, sendRaw } from '../helpers/raw-http.js';
import { testConfig } from '../helpers/runtime.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';

const NOW = Date.UTC(2026, 0, 5, 12);
const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/** The documented error shape, with a code from the catalogue (issue 11, finding 16). */
function expectErrorShape(body: unknown, code: keyof typeof ERROR_CODES): void {
  const b = body as { error: { code: string; message: string; details: unknown } };
  expect(Object.keys(b)).toEqual(['error']);
  expect(b.error.code).toBe(code);
  expect(typeof b.error.message).toBe('string');
  expect(b.error.message.length).toBeGreaterThan(0);
  expect(typeof b.error.details).toBe('object');
  expect(b.error.details).not.toBeNull();
}

/** Errors are JSON by content type too, so clients that dispatch on it parse them. */
async function expectJsonError(res: Response, code: keyof typeof ERROR_CODES): Promise<void> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expectErrorShape(await res.json(), code);
}

function expectSecurityHeaders(headers: Headers | Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(SECURITY)) {
    const got = headers instanceof Headers ? headers.get(name) : headers[name];
    expect(got, name).toBe(value);
  }
}

describe('HTTP edge hardening (real server on a socket)', () => {
  let runtime: Runtime;
  let app: ApiApp;
  let url: string;
  let release: () => void = () => {};

  beforeAll(async () => {
    const config = testConfig({ MARKET_SOURCE: 'synthetic', HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
    runtime = await createRuntime(config, pino({ level: 'silent' }), { clock: new SimClock(NOW), model: new ScriptedModel() });
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    app = await buildServer(runtime, {
      extraRoutes: [
        // A request that stays in flight until the test lets it go (the shutdown test needs one).
        (a) => {
          a.get('/test/held', { schema: { hide: true }, config: { access: 'user' } }, async () => {
            await held;
            return { ok: true };
          });
        },
      ],
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    release();
    await app?.close();
    await runtime?.close();
  });

  it('answers unparseable JSON with 400 BAD_REQUEST in the documented shape', async () => {
    const res = await fetch(`${url}/api/symbols`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbol":' });
    expect(res.status).toBe(400);
    await expectJsonError(res, 'BAD_REQUEST');
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify({ symbol: 'x'.repeat(2 * 1024 * 1024) });
    const res = await fetch(`${url}/api/symbols`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    await expectJsonError(res, 'PAYLOAD_TOO_LARGE');
  });

  it('answers a content type no parser accepts with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await fetch(`${url}/api/symbols`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(res.status).toBe(415);
    await expectJsonError(res, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an over-long path parameter in the documented shape (the dashboard wildcard makes it a 404)', async () => {
    const res = await fetch(`${url}/api/cycles/${'9'.repeat(500)}`);
    expect(res.status).toBe(404);
    await expectJsonError(res, 'NOT_FOUND');
  });

  it('answers oversized headers with 431 HEADERS_TOO_LARGE, with the security headers', async () => {
    const answer = await sendRaw(url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expectErrorShape(JSON.parse(answer.body), 'HEADERS_TOO_LARGE');
    expectSecurityHeaders(answer.headers);
  });

  it('answers a malformed request line with 400 BAD_REQUEST', async () => {
    const answer = await sendRaw(url, 'NOT A REQUEST\r\n\r\n');
    expect(answer.status).toBe(400);
    expectErrorShape(JSON.parse(answer.body), 'BAD_REQUEST');
  });

  it('answers an unknown route with 404 NOT_FOUND in the documented shape', async () => {
    const res = await fetch(`${url}/api/nothing-here`);
    expect(res.status).toBe(404);
    await expectJsonError(res, 'NOT_FOUND');
    expectSecurityHeaders(res.headers);
  });

  it('answers full headers with a partial body within the request deadline: 408 REQUEST_TIMEOUT and the connection closed', async () => {
    const { socket, closed } = openRaw(url);
    socket.write('POST /api/symbols HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sym');
    // Without a deadline the socket would stay open and this test would hit its own timeout instead.
    const answer = parseRawAnswer(await closed);
    expect(answer.status).toBe(408);
    expectErrorShape(JSON.parse(answer.body), 'REQUEST_TIMEOUT');
  }, 15_000);

  it('sends nosniff, no framing and no referrer on the dashboard, /docs, /openapi.json, /health and errors', async () => {
    for (const path of ['/', '/docs', '/docs/static/index.html', '/openapi.json', '/health', '/api/symbols']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBeLessThan(400);
      expectSecurityHeaders(res.headers);
    }
    const invalid = await call(url, 'GET', '/api/symbols', { token: 'not-a-token' });
    expect(invalid.status).toBe(401);
  });

  it('answers 503 SHUTTING_DOWN in the documented shape to a request arriving while the server closes', async () => {
    // A request in flight keeps its keep-alive connection open through close(); a second request on it arrives late.
    const { socket, closed } = openRaw(url);
    socket.write('GET /test/held HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await closing;
    const text = await closed;
    const second = text.indexOf('HTTP/1.1', 10);
    expect(second).toBeGreaterThan(0);
    const answer = parseRawAnswer(text.slice(second));
    expect(answer.status).toBe(503);
    expectErrorShape(JSON.parse(answer.body), 'SHUTTING_DOWN');
    expectSecurityHeaders(answer.headers);
  });
});
