import { type OpenStoreOptions, openStore, type Store } from './db.js';

/**
 * A private SQLite `:memory:` store, migrated and empty: what a backtest injects so its cycles never touch
 * the live database. Closing it discards everything.
 */
export function openMemoryStore(opts: Pick<OpenStoreOptions, 'log' | 'cycleIdBlock'> = {}): Promise<Store> {
  return openStore({ kind: 'sqlite', path: ':memory:' }, opts);
}
