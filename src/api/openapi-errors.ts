import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../domain/errors.js';
import { catalogueEntry } from './errors.js';
import { type RouteErrorFacts, routeErrorCodes } from './route-errors.js';

const ERROR_REF = '#/components/schemas/Error';

interface Media {
  schema?: Record<string, unknown>;
  examples?: Record<string, unknown>;
  [key: string]: unknown;
}

interface ResponseObject {
  description?: string;
  content?: Record<string, Media>;
  'x-error-codes'?: ErrorCode[];
  [key: string]: unknown;
}

interface Operation {
  summary?: string;
  security?: unknown[];
  responses?: Record<string, ResponseObject>;
  [key: string]: unknown;
}

/** An OpenAPI path template (`/api/symbols/{id}`) of a Fastify route URL (`/api/symbols/:id`). */
export const openapiPath = (url: string): string => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

/** The key an operation is found by: `GET /api/symbols/{id}`. */
export const operationKey = (method: string, url: string): string => `${method.toUpperCase()} ${openapiPath(url)}`;

function isErrorResponse(response: ResponseObject | undefined): boolean {
  const schema = response?.content?.['application/json']?.schema;
  return schema !== undefined && schema.$ref === ERROR_REF;
}

/** Codes grouped by status, in ascending status order; codes in catalogue order within a status. */
export function codesByStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = catalogueEntry(code).status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus.entries()].sort(([a], [b]) => a - b));
}

/** Where an operation's examples differ from the catalogue's: the request line, and who may open it. */
export interface ExampleContext {
  readonly method: string;
  readonly path: string;
  readonly access: RouteErrorFacts['access'];
  readonly examples?: RouteErrorFacts['examples'];
}

// The auth gate and the shutdown hook start their messages with the request line.
const REQUEST_LINE = /^[A-Z]+ \/\S*: /;

/** The body `code` is answered with by the operation: the catalogue's example, with its request line. */
export function exampleFor(code: ErrorCode, context?: ExampleContext): { error: { code: ErrorCode; message: string; details: object } } {
  const { message, details } = catalogueEntry(code).example;
  if (!context) return { error: { code, message, details } };
  const own = context.examples?.[code];
  if (own) return { error: { code, message: own.message, details: own.details ?? details } };
  const line = `${context.method.toUpperCase()} ${context.path}: `;
  const worded =
    code === 'UNAUTHORIZED' && context.access === 'metrics'
      ? `${line}expected the METRICS_TOKEN bearer token (user tokens do not open /metrics)`
      : message.replace(REQUEST_LINE, line);
  return { error: { code, message: worded, details } };
}

/** The documented answer of one status: each code with what it means and a real example of its body. */
export function errorResponse(status: number, codes: readonly ErrorCode[], context?: ExampleContext): ResponseObject {
  const title = `${STATUS_CODES[status] ?? 'Error'}: ${codes.join(' or ')}`;
  const lines = codes.map((code) => `- \`${code}\`: ${catalogueEntry(code).description}`);
  const examples = Object.fromEntries(
    codes.map((code) => [code, { summary: catalogueEntry(code).description, value: exampleFor(code, context) }]),
  );
  return {
    description: `${title}\n\n${lines.join('\n')}`,
    'x-error-codes': [...codes],
    content: { 'application/json': { schema: { $ref: ERROR_REF }, examples } },
  };
}

/** A success answer's title when the route gave none: the status text and what the body is. */
function successTitle(status: string, response: ResponseObject, operation: Operation): string {
  const reason = STATUS_CODES[Number(status)] ?? status;
  const [type, media] = Object.entries(response.content ?? {})[0] ?? [];
  const schema = media?.schema;
  const ref = typeof schema?.$ref === 'string' ? schema.$ref.split('/').pop() : undefined;
  const items = schema?.items as { $ref?: string } | undefined;
  const itemRef = typeof items?.$ref === 'string' ? items.$ref.split('/').pop() : undefined;
  if (ref) return `${reason}: the ${ref}`;
  if (itemRef) return `${reason}: a list of ${itemRef}`;
  if (!type) return `${reason}: no body`;
  return `${reason}: ${operation.summary ?? type}`;
}

function withError(existing: ResponseObject, generated: ResponseObject): ResponseObject {
  // A route that answers this status with a body of its own (GET /health's 503) answers errors there too.
  const own = existing.content?.['application/json']?.schema ?? {};
  const media = generated.content?.['application/json'] ?? {};
  return {
    ...generated,
    description: `${existing.description ?? ''}; or an error: ${generated.description}`,
    content: { 'application/json': { ...media, schema: { oneOf: [own, { $ref: ERROR_REF }] } } },
  };
}

/**
 * Rewrites every operation's responses: its error responses are exactly the codes it can answer with
 * (routeErrorCodes), one response per status listing them, each with the catalogue's example; its success
 * responses get a title; a signed-in route without `security` gets the bearer scheme. `facts` is keyed by
 * operationKey; an operation without facts keeps its responses.
 */
export function documentErrors<T extends { paths?: unknown }>(document: T, facts: ReadonlyMap<string, RouteErrorFacts>): T {
  const paths = { ...(document.paths as Record<string, Record<string, Operation>> | undefined) };
  for (const [path, item] of Object.entries(paths)) {
    const next: Record<string, Operation> = { ...item };
    for (const [method, operation] of Object.entries(item)) {
      const fact = facts.get(`${method.toUpperCase()} ${path}`);
      if (!fact || typeof operation !== 'object') continue;
      const responses: Record<string, ResponseObject> = {};
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (isErrorResponse(response)) continue;
        responses[status] =
          response.description === 'Default Response' ? { ...response, description: successTitle(status, response, operation) } : response;
      }
      for (const [status, codes] of codesByStatus(routeErrorCodes(fact))) {
        const generated = errorResponse(status, codes, { method, path, access: fact.access, examples: fact.examples });
        const existing = responses[String(status)];
        responses[String(status)] = existing ? withError(existing, generated) : generated;
      }
      const security = operation.security ?? securityOf(fact);
      next[method] = { ...operation, ...(security ? { security } : {}), responses };
    }
    paths[path] = next;
  }
  return { ...document, paths };
}

function securityOf(fact: RouteErrorFacts): unknown[] | undefined {
  if (fact.access === 'metrics') return [{ metricsToken: [] }];
  if (fact.access === 'user' || fact.access === 'shared' || fact.access === 'operator') return [{ bearer: [] }];
  return undefined;
}
