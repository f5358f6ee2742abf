import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { z } from 'zod';
import { registeredRoutes } from '../../src/api/access.js';
import { ERROR_CATALOGUE, ErrorBody, HTTP_STATUS } from '../../src/api/errors.js';
import { exampleFor, openapiPath } from '../../src/api/openapi-errors.js';
import { routeErrorCodes, routeErrorFacts } from '../../src/api/route-errors.js';
import { METRICS_EXAMPLE } from '../../src/api/routes/metrics.routes.js';
import { WS_SERVER_MESSAGES } from '../../src/api/ws-messages.js';
import { ERROR_CODES, type ErrorCode } from '../../src/domain/errors.js';
import { type PlatformServer, startPlatformServer } from '../helpers/platform-server.js';
import { call, ScriptedModel } from '../helpers/scripted-model.js';

/**
 * Issue 17, "API docs that teach": /openapi.json is valid OpenAPI 3.1; every operation's error responses are
 * exactly the codes its route can answer with (from the one catalogue, src/api/errors.ts), each with an
 * example that is what the server really answers; responses are titled; /metrics and /ws are documented;
 * Swagger UI shows /openapi.json.
 */
const NOW = Date.UTC(2026, 0, 5, 12);
const ENV = { MARKET_SOURCE: 'synthetic', KLINE_INTERVAL: '1h' };
const SECRET = 'openapi-docs-secret-0123456789abcdef';
const PASSWORD = 'docs horse battery staple';

interface ResponseDoc {
  description?: string;
  'x-error-codes'?: ErrorCode[];
  content?: Record<string, { schema?: Record<string, unknown>; examples?: Record<string, { value: unknown }> }>;
}
interface OperationDoc {
  responses: Record<string, ResponseDoc>;
  security?: unknown[];
  'x-websocket'?: { 'server-messages': Record<string, { $ref: string }>; 'client-messages': { $ref: string } };
  'x-alias-of'?: string;
}
interface Doc {
  paths: Record<string, Record<string, OperationDoc>>;
  components: { schemas: Record<string, unknown> };
}

const documentedCodes = (op: OperationDoc): ErrorCode[] => Object.values(op.responses).flatMap((r) => r['x-error-codes'] ?? []);
const catalogueBody = (code: ErrorCode) => ({ error: { code, ...ERROR_CATALOGUE[code].example } });

describe('/openapi.json teaches (loopback server)', () => {
  let server: PlatformServer;
  let doc: Doc;
  const model = new ScriptedModel();

  beforeAll(async () => {
    server = await startPlatformServer(ENV, { now: NOW, model });
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
  });
  afterAll(async () => server?.close());

  it('validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists for every route exactly the codes it can answer with, one response per status, each with its catalogue example', () => {
    let checked = 0;
    for (const route of registeredRoutes(server.app)) {
      if ((route.schema as { hide?: boolean } | undefined)?.hide) continue;
      for (const method of [route.method].flat().map(String)) {
        if (method === 'HEAD') continue;
        const op = doc.paths[openapiPath(route.url)]?.[method.toLowerCase()];
        expect(op, `${method} ${route.url} is in /openapi.json`).toBeDefined();
        if (!op) continue;
        const expected = routeErrorCodes(routeErrorFacts(route, method));
        expect(documentedCodes(op).sort(), `${method} ${route.url}`).toEqual([...expected].sort());
        for (const [status, response] of Object.entries(op.responses)) {
          const codes = response['x-error-codes'];
          if (Number(status) >= 400) expect(codes, `${method} ${route.url} ${status} lists its codes`).toBeDefined();
          if (!codes) continue;
          for (const code of codes) expect(HTTP_STATUS[code], `${code} under ${status}`).toBe(Number(status));
          const examples = response.content?.['application/json']?.examples ?? {};
          expect(Object.keys(examples).sort()).toEqual([...codes].sort());
          for (const code of codes) {
            const facts = routeErrorFacts(route, method);
            const context = { method, path: openapiPath(route.url), access: facts.access, examples: facts.examples };
            expect(examples[code].value).toEqual(exampleFor(code, context));
            expect(ErrorBody.parse(examples[code].value).error.code).toBe(code);
            expect(response.description).toContain(`\`${code}\``);
          }
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('keeps the error statuses a route schema declares (ErrorBody) among the statuses of its codes', () => {
    const problems: string[] = [];
    for (const route of registeredRoutes(server.app)) {
      const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response ?? {};
      for (const method of [route.method].flat().map(String)) {
        const statuses = new Set(routeErrorCodes(routeErrorFacts(route, method)).map((c) => HTTP_STATUS[c]));
        for (const [status, schema] of Object.entries(response)) {
          if (schema === ErrorBody && !statuses.has(Number(status)))
            problems.push(`${method} ${route.url} declares ${status} but none of its codes (config.errors) has that status`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('titles every response', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('Default Response');
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        for (const [status, r] of Object.entries(op.responses)) expect(r.description, `${method} ${path} ${status}`).toMatch(/\w/);
  });

  it('the catalogue: every code has a status and an example in the documented error shape', () => {
    expect(Object.keys(ERROR_CATALOGUE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(ErrorBody.parse(catalogueBody(code))).toEqual(catalogueBody(code));
      expect(ERROR_CATALOGUE[code].example.message.length).toBeGreaterThan(10);
    }
  });

  it('its examples are what the server answers', async () => {
    const answers: Array<[ErrorCode, { status: number; body: unknown }]> = [
      ['NOT_FOUND', await call(server.url, 'GET', '/api/symbols/7')],
      ['VALIDATION_ERROR', await call(server.url, 'GET', '/trading/trades?limit=101')],
    ];
    expect((await call(server.url, 'POST', '/api/symbols', { body: { symbol: 'BTCUSDT' } })).status).toBe(201);
    answers.push(['CONFLICT', await call(server.url, 'POST', '/api/symbols', { body: { symbol: 'btc' } })]);
    const badJson = await fetch(`${server.url}/api/symbols`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    answers.push(['BAD_REQUEST', { status: badJson.status, body: await badJson.json() }]);
    const plain = await fetch(`${server.url}/api/symbols`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<symbol>BTC</symbol>',
    });
    answers.push(['UNSUPPORTED_MEDIA_TYPE', { status: plain.status, body: await plain.json() }]);
    const big = JSON.stringify({ symbol: 'BTC', pad: 'x'.repeat(2 * 1024 * 1024) });
    const large = await fetch(`${server.url}/api/symbols`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    answers.push(['PAYLOAD_TOO_LARGE', { status: large.status, body: await large.json() }]);

    for (const [code, answer] of answers) {
      expect(answer.status, code).toBe(HTTP_STATUS[code]);
      expect(answer.body, code).toEqual(catalogueBody(code));
    }
  });

  it('documents /metrics as text/plain behind METRICS_TOKEN, and its example lines are in the live output', async () => {
    const op = doc.paths['/metrics']?.get;
    expect(op?.security).toEqual([{ metricsToken: [] }]);
    expect(op?.responses['200'].content?.['text/plain']?.schema?.example).toBe(METRICS_EXAMPLE);
    expect(documentedCodes(op as OperationDoc)).toContain('UNAUTHORIZED');
    const live = await (await fetch(`${server.url}/metrics`)).text();
    for (const line of METRICS_EXAMPLE.split('\n').filter((l) => l.startsWith('#'))) expect(live).toContain(line);
  });

  it('documents /ws: the upgrade GET, a schema with an example per message type, and a real session matches them', async () => {
    const op = doc.paths['/ws']?.get;
    expect(op?.responses['101']?.description).toMatch(/Switching Protocols/);
    const ext = op?.['x-websocket'];
    expect(Object.keys(ext?.['server-messages'] ?? {}).sort()).toEqual(Object.keys(WS_SERVER_MESSAGES).sort());
    for (const ref of [...Object.values(ext?.['server-messages'] ?? {}), ext?.['client-messages']]) {
      const schema = doc.components.schemas[String(ref?.$ref).split('/').pop() as string] as { example?: unknown } | undefined;
      expect(schema?.example, ref?.$ref).toBeDefined();
    }
    for (const schema of Object.values(WS_SERVER_MESSAGES)) schema.parse((schema.meta() as { example: unknown }).example);

    const plain = await call(server.url, 'GET', '/ws');
    expect(plain.status).toBe(400);
    expect(plain.body).toEqual(op?.responses['400'].content?.['application/json']?.examples?.BAD_REQUEST?.value);

    const messages: Array<{ type: keyof typeof WS_SERVER_MESSAGES; data: Record<string, unknown> }> = [];
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
    socket.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => resolve());
      socket.on('error', reject);
    });
    socket.send(JSON.stringify({ type: 'subscribe', symbols: ['BTCUSDT'] }));
    socket.send('not json');
    model.next = 'BUY';
    expect((await call(server.url, 'POST', '/trading/run-cycle?symbol=BTCUSDT')).status).toBe(200);
    socket.send(JSON.stringify({ type: 'ping' }));
    // Each message waits for its socket's access check, so the cycle's may arrive after the pong.
    const expected = ['hello', 'subscribed', 'error', 'cycle', 'decision', 'fill', 'equity', 'agent_status', 'pong'];
    await expect.poll(() => expected.filter((t) => !messages.some((m) => m.type === t)), { timeout: 15_000 }).toEqual([]);
    socket.close();

    for (const message of messages) {
      const schema = WS_SERVER_MESSAGES[message.type];
      expect(() => schema.parse(message), message.type).not.toThrow();
      const dataShape = (schema.shape.data as z.ZodObject).shape;
      for (const key of Object.keys(message.data))
        expect(Object.keys(dataShape), `${message.type}.data.${key} is documented`).toContain(key);
    }
  });

  it('Swagger UI loads /openapi.json, and /docs/json points there', async () => {
    const init = await (await fetch(`${server.url}/docs/static/swagger-initializer.js`)).text();
    expect(init).toContain('"/openapi.json"');
    expect(init).not.toContain("resolveUrl('./json')");
    const old = await fetch(`${server.url}/docs/json`, { redirect: 'manual' });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe('/openapi.json');
  });
});

describe('/openapi.json examples off loopback (JWT)', () => {
  let server: PlatformServer;

  beforeAll(async () => {
    server = await startPlatformServer(
      { ...ENV, HOST: '0.0.0.0', JWT_SECRET: SECRET, METRICS_TOKEN: 'docs-metrics-token-0123456789' },
      { now: NOW, model: new ScriptedModel() },
    );
  });
  afterAll(async () => server?.close());

  it('every signed-in operation answers an anonymous caller with exactly its documented 401 example', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const documented = op.responses['401']?.content?.['application/json']?.examples?.UNAUTHORIZED?.value as
          | { error: { message: string } }
          | undefined;
        if (!documented || op['x-alias-of'] || !op.security) continue;
        const concrete = path.replace(/\{[^}]+\}/g, '1');
        const answer = await call(server.url, method.toUpperCase(), concrete);
        expect(answer.status, `${method} ${path}`).toBe(401);
        const expected = { error: { ...documented.error, message: documented.error.message.replace(path, concrete) } };
        expect(answer.body, `${method} ${path}`).toEqual(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('UNAUTHORIZED and FORBIDDEN examples are what the server answers', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
    const documented = (path: string) => doc.paths[path].post.responses['401'].content?.['application/json']?.examples?.UNAUTHORIZED?.value;
    await call(server.url, 'POST', '/api/auth/register', { body: { username: 'docs', email: 'docs@example.com', password: PASSWORD } });
    const wrong = await call(server.url, 'POST', '/api/auth/login', { body: { username: 'docs', password: `${PASSWORD}!` } });
    expect(wrong.body).toEqual(documented('/api/auth/login'));
    const login = (await call(server.url, 'POST', '/api/auth/login', { body: { username: 'docs', password: PASSWORD } })).body;
    const token = login.access_token;
    await call(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: login.refresh_token } });
    const reused = await call(server.url, 'POST', '/api/auth/refresh', { body: { refresh_token: login.refresh_token } });
    expect(reused.body).toEqual(documented('/api/auth/refresh'));
    const anonymous = await call(server.url, 'GET', '/api/symbols');
    expect(anonymous.body).toEqual(catalogueBody('UNAUTHORIZED'));
    const user = await call(server.url, 'PUT', '/api/strategies/enable-map', { token, body: {} });
    expect(user.status).toBe(403);
    expect(user.body).toEqual(catalogueBody('FORBIDDEN'));
  });
});
