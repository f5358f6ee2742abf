import { ConclaveError } from '../domain/errors.js';

interface DbErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly constraint?: unknown;
  readonly table?: unknown;
  readonly detail?: unknown;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;
/** SQLSTATE classes that mean "the database cannot serve now": connection, resources, shutdown, lock timeouts. */
const PG_UNAVAILABLE = /^(08|53|57P|58|40001|40P01|55P03)/;
const PG_CONNECTION_TEXT =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i;

/**
 * Maps a driver error (better-sqlite3 or pg) to the error catalogue:
 * unique/primary-key violations -> CONFLICT; unreachable, busy past busy_timeout, disk or shutdown -> STORE_UNAVAILABLE;
 * anything else -> INTERNAL_ERROR (a query the schema rejects is a bug, not a temporary state).
 * ConclaveErrors pass through unchanged.
 */
export function toStoreError(error: unknown): ConclaveError {
  if (error instanceof ConclaveError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as DbErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const details: Record<string, unknown> = { dbCode: code || null };
  if (typeof e.constraint === 'string') details.constraint = e.constraint;
  if (typeof e.table === 'string') details.table = e.table;

  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const what = typeof e.detail === 'string' ? e.detail : message;
    return new ConclaveError('CONFLICT', `store: expected a new unique key, got a duplicate (${what})`, details, { cause: error });
  }
  if (SQLITE_UNAVAILABLE.test(code) || PG_UNAVAILABLE.test(code) || NETWORK_CODES.has(code) || PG_CONNECTION_TEXT.test(message)) {
    return new ConclaveError('STORE_UNAVAILABLE', `store: database unavailable (${code || 'no code'}: ${message})`, details, {
      cause: error,
    });
  }
  return new ConclaveError('INTERNAL_ERROR', `store: query failed (${code || 'no code'}: ${message})`, details, { cause: error });
}
