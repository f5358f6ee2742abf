import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration, type SqlDialect } from './0001-initial.js';
import { positionEntriesMigration } from './0002-position-entries.js';
import { accountsMigration } from './0003-accounts.js';
import { auditMigration } from './0004-audit.js';

export type { SqlDialect } from './0001-initial.js';

/**
 * Every migration, in order, defined in code (no directory scanning, so bundling and tsx both work).
 * Names sort lexically; append new ones with the next number and never edit an applied one.
 */
export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001-initial': initialMigration(dialect),
        '0002-position-entries': positionEntriesMigration,
        '0003-accounts': accountsMigration(),
        '0004-audit': auditMigration(dialect),
      };
    },
  };
}
