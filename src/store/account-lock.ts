import type pg from 'pg';
import { ConclaveError } from '../domain/errors.js';

/** Holds one account's book from load to save across processes; resolves with its release. */
export type AccountLock = (userId: number) => Promise<() => Promise<void>>;

export interface PgAccountLocks {
  readonly lock: AccountLock;
  close(): Promise<void>;
}

/** 32-bit FNV-1a of the database identity, so two schemas (tests, tenants) on one server never share a lock. */
function lockClass(identity: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) {
    h ^= identity.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * Account locks in PostgreSQL itself (session advisory locks), so two API processes on one database never both
 * load the same cash and each commit a fill the other did not see, with or without Redis. Each held lock pins a
 * connection of its own small pool (never the store's, so cycles waiting for a lock cannot starve the cycle
 * transactions of connections); a process that dies loses its session and so its locks.
 * @throws ConclaveError STORE_UNAVAILABLE from lock() when PostgreSQL cannot be reached within the pool's timeout.
 */
export async function pgAccountLocks(url: string, opts: { schema?: string; max?: number } = {}): Promise<PgAccountLocks> {
  const { default: pgLib } = await import('pg');
  const pool = new pgLib.Pool({ connectionString: url, max: opts.max ?? 16, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  const classId = lockClass(`${url}|${opts.schema ?? ''}`);
  return {
    lock: async (userId) => {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        await client.query('select pg_advisory_lock($1, $2)', [classId, userId]);
      } catch (error) {
        client?.release(true);
        throw new ConclaveError(
          'STORE_UNAVAILABLE',
          `account ${userId}: cannot take the book lock: ${(error as Error).message}`,
          { user_id: userId },
          { cause: error },
        );
      }
      const held = client;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        try {
          await held.query('select pg_advisory_unlock($1, $2)', [classId, userId]);
          held.release();
        } catch {
          // A connection that cannot unlock is dropped: ending the session frees its locks.
          held.release(true);
        }
      };
    },
    close: () => pool.end(),
  };
}
