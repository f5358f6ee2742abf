import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConclaveError } from '../../../src/domain/errors.js';
import { openStore } from '../../../src/store/db.js';
import { toStoreError } from '../../../src/store/errors.js';
import { openMemoryStore } from '../../../src/store/memory.js';
import { cycleRecord } from './cycle-record.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'conclave-store-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ConclaveError);
    return (error as ConclaveError).code;
  }
}

describe('store errors', () => {
  it('maps driver errors to the catalogue', () => {
    expect(toStoreError(Object.assign(new Error('dup'), { code: '23505', constraint: 'users_username_key' })).code).toBe('CONFLICT');
    expect(toStoreError(Object.assign(new Error('dup'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })).code).toBe('CONFLICT');
    expect(toStoreError(Object.assign(new Error('dup'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })).code).toBe('CONFLICT');
    expect(toStoreError(Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' })).code).toBe('STORE_UNAVAILABLE');
    expect(toStoreError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })).code).toBe('STORE_UNAVAILABLE');
    expect(toStoreError(Object.assign(new Error('admin shutdown'), { code: '57P01' })).code).toBe('STORE_UNAVAILABLE');
    expect(toStoreError(new Error('Connection terminated unexpectedly')).code).toBe('STORE_UNAVAILABLE');
    expect(toStoreError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })).code).toBe('INTERNAL_ERROR');
    const own = new ConclaveError('NOT_FOUND', 'x');
    expect(toStoreError(own)).toBe(own);
  });

  it('PostgreSQL refusing connections -> STORE_UNAVAILABLE at open', async () => {
    // Port 1 on loopback: nothing listens, the connect is refused at once.
    expect(await codeOf(openStore({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' }))).toBe('STORE_UNAVAILABLE');
  });

  it('an unusable schema name is a configuration error', async () => {
    expect(await codeOf(openStore({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' }, { schema: 'x"; drop' }))).toBe(
      'CONFIG_INVALID',
    );
  });

  it('a SQLite path that cannot be created -> STORE_UNAVAILABLE', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a directory');
    expect(await codeOf(openStore({ kind: 'sqlite', path: join(file, 'db.sqlite') }))).toBe('STORE_UNAVAILABLE');
  });

  it('SQLITE_BUSY past the busy timeout -> STORE_UNAVAILABLE, nothing written; works once the lock is gone', async () => {
    const path = join(dir, 'busy.db');
    const store = await openStore({ kind: 'sqlite', path }, { busyTimeoutMs: 0 });
    const other = new Database(path);
    try {
      const id = await store.cycles.nextCycleId();
      other.exec('BEGIN IMMEDIATE');
      expect(await codeOf(store.cycles.saveCycle(cycleRecord({ cycleId: id, userId: 1 })))).toBe('STORE_UNAVAILABLE');
      other.exec('COMMIT');
      expect(await store.cycles.get(id, 1)).toBeNull();
      await store.cycles.saveCycle(cycleRecord({ cycleId: id, userId: 1 }));
      expect((await store.cycles.get(id, 1))?.id).toBe(id);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('health is false after close, and close is idempotent', async () => {
    const store = await openMemoryStore();
    expect((await store.health()).ok).toBe(true);
    await store.close();
    await store.close();
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.error).toBeTypeOf('string');
  });
});
