import fc from 'fast-check';
import { HTTP_STATUS } from '../../src/api/errors.js';
import { ERROR_CODES, type ErrorCode } from '../../src/domain/errors.js';
import { type Components, fuzzValue, type JsonSchema, junk } from './json-schema-arb.js';

interface Parameter {
  readonly in: 'path' | 'query' | 'header';
  readonly name: string;
  readonly required?: boolean;
  readonly schema: JsonSchema;
}

interface MediaSchema {
  readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>>;
  /** The error codes this status answers with (src/api/openapi-errors.ts). */
  readonly 'x-error-codes'?: readonly string[];
}

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: JsonSchema | null;
  readonly responses: Readonly<Record<string, MediaSchema>>;
}

export interface OpenApiDoc {
  readonly paths: Readonly<
    Record<string, Readonly<Record<string, Omit<Operation, 'method' | 'path' | 'body'> & { requestBody?: MediaSchema }>>>
  >;
  readonly components: { readonly schemas: Components };
}

export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** Errors a route may answer 5xx with: the venue, the LLM or the notifier being down, never the server itself. */
export const UPSTREAM_CODES: ReadonlySet<ErrorCode> = new Set([
  'MARKET_DATA_UNAVAILABLE',
  'MARKET_DATA_INVALID',
  'RATE_LIMITED',
  'VENUE_BANNED',
  'LLM_UNAVAILABLE',
  'NOTIFIER_UNAVAILABLE',
]);

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []) as Parameter[],
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        responses: op.responses ?? {},
      });
    }
  }
  return ops;
}

/** Authorization header values: none, the caller's token, a tampered one, and malformed ones. */
export function authHeaders(token: string | null): fc.Arbitrary<string | null> {
  const options: (string | null)[] = [null, 'Basic YWxpY2U6cHc=', 'Bearer', 'Bearer a b', 'Bearer not.a.jwt', `Bearer ${'x'.repeat(300)}`];
  if (token) options.push(`Bearer ${token}`, `Bearer ${token}`, `Bearer ${token.slice(0, -3)}abc`, `Bearer ${token}==`, `bearer ${token}`);
  return fc.constantFrom(...options);
}

const oddPathValues = fc.constantFrom('0', '-1', '1e3', '9'.repeat(30), '..%2F..%2Fetc', '%00', 'NaN', '%E2%82%AC', 'a%20b');

function encodeValue(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Seeded, bounded requests for one operation: params, query, body and headers, valid or not. */
export function requestsFor(op: Operation, components: Components, token: string | null): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(
    ...pathParams.map((p) =>
      fc.oneof(
        { arbitrary: fuzzValue(p.schema, components).map((v) => encodeURIComponent(encodeValue(v))), weight: 3 },
        { arbitrary: fc.integer({ min: 1, max: 5 }).map(String), weight: 2 },
        { arbitrary: oddPathValues, weight: 1 },
      ),
    ),
  );
  const queryArb = fc.tuple(
    ...queryParams.map((p) => fc.option(fuzzValue(p.schema, components).map(encodeValue), { nil: undefined, freq: p.required ? 8 : 2 })),
  );
  const extraQuery = fc.constantFrom('', '&unknown=1', '&limit=abc', '&symbol=BTCUSDT&symbol=ETHUSDT', '&__proto__[x]=1');
  const bodyArb: fc.Arbitrary<{ body?: string; type?: string }> = op.body
    ? fc.oneof(
        { arbitrary: fuzzValue(op.body, components).map((v) => ({ body: JSON.stringify(v), type: 'application/json' })), weight: 6 },
        { arbitrary: fc.constantFrom('{', 'null', '', '[]', '{"a":1}{').map((b) => ({ body: b, type: 'application/json' })), weight: 1 },
        {
          arbitrary: fc
            .tuple(
              junk,
              fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'),
            )
            .map(([v, type]) => ({ body: JSON.stringify(v) ?? '', type })),
          weight: 1,
        },
        { arbitrary: fc.constant({}), weight: 1 },
      )
    : op.method === 'GET'
      ? fc.constant({})
      : fc.oneof(
          fc.constant({}),
          junk.map((v) => ({ body: JSON.stringify(v) ?? 'null', type: 'application/json' })),
        );
  const accept = fc.constantFrom(undefined, '*/*', 'text/html', 'application/xml', 'application/json;q=0');
  return fc
    .record({
      path: pathArb,
      query: queryArb,
      extra: extraQuery,
      body: bodyArb,
      auth: authHeaders(token),
      accept,
      forwarded: fc.option(fc.ipV4()),
    })
    .map(({ path, query, extra, body, auth, accept: acc, forwarded }) => {
      let url = op.path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, path[i]);
      });
      const qs = queryParams
        .map((p, i) => (query[i] === undefined ? null : `${encodeURIComponent(p.name)}=${encodeURIComponent(query[i] as string)}`))
        .filter((x): x is string => x !== null)
        .join('&');
      const search = `${qs}${extra}`.replace(/^&/, '');
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth;
      if (acc) headers.accept = acc;
      if (forwarded) headers['x-forwarded-for'] = forwarded;
      if (body.type) headers['content-type'] = body.type;
      return { method: op.method, url: search ? `${url}?${search}` : url, headers, body: body.body };
    });
}

export async function send(base: string, request: FuzzRequest): Promise<Answer> {
  const res = await fetch(`${base}${request.url}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

function isErrorSchema(media: MediaSchema | undefined): boolean {
  const schema = media?.content?.['application/json']?.schema;
  if (schema === undefined || schema.$ref === '#/components/schemas/Error') return true;
  // A status a route answers with a body of its own and with errors (GET /health's 503): oneOf [own, Error].
  const oneOf = (schema as { oneOf?: readonly JsonSchema[] }).oneOf;
  return oneOf?.some((s) => s.$ref === '#/components/schemas/Error') ?? false;
}

const hasErrorKey = (text: string): boolean => {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && 'error' in body;
  } catch {
    return false;
  }
};

/**
 * What is wrong with one answer, or null: a 5xx that is not a documented 502/503 upstream error, an error body
 * not in the documented shape, a code outside the catalogue, or a status that is not the code's status.
 */
export function problemWith(op: Operation, answer: Answer): string | null {
  if (answer.status < 400) return null;
  const documented = op.responses[String(answer.status)];
  if (documented && !isErrorSchema(documented)) return null; // a documented non-error body
  // A documented body of the route's own at an error status (GET /health's 503 Health), not an error.
  if (documented?.['x-error-codes'] && documented.content?.['application/json']?.schema?.$ref === undefined && !hasErrorKey(answer.text))
    return null;
  let body: unknown;
  if (!answer.contentType.startsWith('application/json')) return `status ${answer.status} with content-type "${answer.contentType}"`;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `status ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 120)}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (!body || typeof body !== 'object' || Object.keys(body).length !== 1 || !error || typeof error !== 'object') {
    return `status ${answer.status} not in the {error: {code, message, details}} shape: ${answer.text.slice(0, 160)}`;
  }
  const keys = Object.keys(error).sort().join(',');
  if (keys !== 'code,details,message') return `status ${answer.status}: error keys ${keys}, expected code,details,message`;
  if (typeof error.code !== 'string' || !(error.code in ERROR_CODES))
    return `status ${answer.status}: code ${String(error.code)} is not in the catalogue`;
  if (typeof error.message !== 'string' || error.message.length === 0) return `status ${answer.status}: empty message`;
  if (typeof error.details !== 'object' || error.details === null || Array.isArray(error.details))
    return `status ${answer.status}: details is not an object`;
  const code = error.code as ErrorCode;
  if (HTTP_STATUS[code] !== answer.status) return `status ${answer.status} with code ${code}, whose status is ${HTTP_STATUS[code]}`;
  if (answer.status >= 500 && (!UPSTREAM_CODES.has(code) || (answer.status !== 502 && answer.status !== 503)))
    return `server error ${answer.status} ${code}: ${error.message}`;
  // The document cannot lie: what the route answered is one of the codes it lists for that status.
  if (!documented?.['x-error-codes']?.includes(code))
    return `${answer.status} ${code} is not documented for ${op.method} ${op.path} (documented: ${documented?.['x-error-codes']?.join(', ') ?? 'no such status'})`;
  return null;
}

/**
 * Runs `numRuns` seeded requests per operation and returns every operation's first problem (no shrinking: each
 * step is an HTTP request, and the failing request is printed whole).
 */
export async function fuzzOperations(
  base: string,
  doc: OpenApiDoc,
  opts: {
    readonly token: string | null;
    readonly seed: number;
    readonly numRuns: number;
    readonly skip?: (op: Operation) => boolean;
    /** Fewer runs for operations that are slow by design (password hashing). */
    readonly runsFor?: (op: Operation) => number | undefined;
  },
): Promise<{ readonly requests: number; readonly problems: readonly string[]; readonly reachedHandler: number }> {
  const problems: string[] = [];
  let requests = 0;
  // Operations that answered 2xx at least once: the generator gets past validation, not only into the 422 path.
  let reachedHandler = 0;
  for (const op of operationsOf(doc)) {
    if (opts.skip?.(op)) continue;
    let failure: string | null = null;
    let succeeded = false;
    await fc.assert(
      fc.asyncProperty(requestsFor(op, doc.components.schemas, opts.token), async (request) => {
        requests++;
        const answer = await send(base, request);
        if (answer.status < 300) succeeded = true;
        const problem = problemWith(op, answer);
        if (problem && !failure) failure = `${op.method} ${op.path}: ${problem}\n    request: ${JSON.stringify(request).slice(0, 400)}`;
      }),
      { seed: opts.seed, numRuns: opts.runsFor?.(op) ?? opts.numRuns, endOnFailure: true },
    );
    if (failure) problems.push(failure);
    if (succeeded) reachedHandler++;
  }
  return { requests, problems, reachedHandler };
}
