import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { storeContract } from '../unit/store/store-contract.js';

const url = process.env.TEST_DATABASE_URL;
const pgUrl = url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
if (!pgUrl) {
  console.log('store-postgres: skipped, TEST_DATABASE_URL is not set (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)');
}

describe.skipIf(!pgUrl)('store contract: PostgreSQL', () => {
  storeContract(() => {
    // A fresh schema per test file keeps runs isolated from each other and from real data; dropped after.
    const schema = `conclave_test_${randomBytes(6).toString('hex')}`;
    return {
      shared: true,
      open: () => openStore({ kind: 'postgres', url: pgUrl as string }, { schema, poolMax: 4 }),
      dispose: async () => {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      },
    };
  });
});
