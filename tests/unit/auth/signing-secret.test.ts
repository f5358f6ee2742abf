import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOPBACK_SECRET_FILE, signingSecret } from '../../../src/auth/signing-secret.js';
import { isConclaveError } from '../../../src/domain/errors.js';

const loopback = (dir: string) => ({ JWT_SECRET: '', HOST: '127.0.0.1', isLoopback: true, DATA_DIR: dir });

function failure(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return isConclaveError(error) ? `${error.code}: ${error.message}` : 'other';
  }
}

describe('signingSecret', () => {
  it('uses JWT_SECRET and refuses to run off loopback without one or with a short one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-secret-'));
    expect(signingSecret({ JWT_SECRET: 's'.repeat(16), HOST: '0.0.0.0', isLoopback: false, DATA_DIR: dir })).toBe('s'.repeat(16));
    expect(failure(() => signingSecret({ JWT_SECRET: '', HOST: '0.0.0.0', isLoopback: false, DATA_DIR: dir }))).toMatch(/^CONFIG_INVALID/);
    expect(failure(() => signingSecret({ ...loopback(dir), JWT_SECRET: 'short' }))).toMatch(/^CONFIG_INVALID/);
  });

  // Issue 16: tokens issued on loopback used to die with the process (a new random secret per start).
  it('on loopback makes one secret, keeps it in DATA_DIR/jwt-secret with mode 0600, and reads the same one back', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'conclave-secret-')), 'data');
    const first = signingSecret(loopback(dir));
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dir, LOOPBACK_SECRET_FILE);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(signingSecret(loopback(dir))).toBe(first);
    // Another data directory is another installation with its own secret.
    expect(signingSecret(loopback(mkdtempSync(join(tmpdir(), 'conclave-secret-'))))).not.toBe(first);
  });

  it('refuses a secret file others can read, or one that is not a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-secret-'));
    const file = join(dir, LOOPBACK_SECRET_FILE);
    signingSecret(loopback(dir));
    if (process.platform !== 'win32') {
      chmodSync(file, 0o644);
      expect(failure(() => signingSecret(loopback(dir)))).toMatch(/CONFIG_INVALID: .*readable by other users.*chmod 600/);
      chmodSync(file, 0o600);
    }
    writeFileSync(file, 'short\n', { mode: 0o600 });
    expect(failure(() => signingSecret(loopback(dir)))).toMatch(/CONFIG_INVALID: .*expected at least 43 base64url characters/);
  });
});
