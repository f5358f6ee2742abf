import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { openStore } from '../../../src/store/db.js';
import { openMemoryStore } from '../../../src/store/memory.js';
import { storeContract } from './store-contract.js';

describe('store contract: SQLite file', () => {
  storeContract(() => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-store-'));
    // A nested missing directory checks that openStore creates the parent.
    const path = join(dir, 'nested', 'conclave.db');
    return {
      shared: true,
      open: () => openStore({ kind: 'sqlite', path }),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
});

describe('store contract: SQLite :memory:', () => {
  storeContract(() => ({ shared: false, open: () => openMemoryStore(), dispose: async () => {} }));
});
