import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConclaveError } from '../domain/errors.js';

/** The file under DATA_DIR that keeps the loopback signing secret across restarts. */
export const LOOPBACK_SECRET_FILE = 'jwt-secret';

const SECRET_TEXT = /^[A-Za-z0-9_-]{43,}$/;

export interface SigningSecretConfig {
  readonly JWT_SECRET: string;
  readonly HOST: string;
  readonly isLoopback: boolean;
  readonly DATA_DIR: string;
}

/**
 * The HMAC secret tokens are signed with: JWT_SECRET when set; on loopback without one, a random secret made
 * once and kept in `DATA_DIR/jwt-secret` (mode 0600), so tokens survive a restart.
 * @throws ConclaveError CONFIG_INVALID off loopback without a secret of at least 16 characters, for a short
 * JWT_SECRET, or for a secret file that is malformed or readable by other users.
 */
export function signingSecret(config: SigningSecretConfig): string {
  if (config.JWT_SECRET.length >= 16) return config.JWT_SECRET;
  if (!config.isLoopback) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `HOST=${config.HOST} is not loopback: set JWT_SECRET (at least 16 characters) so every route requires a bearer token`,
      { field: 'JWT_SECRET' },
    );
  }
  if (config.JWT_SECRET.length > 0) {
    throw new ConclaveError('CONFIG_INVALID', `JWT_SECRET: expected at least 16 characters, got ${config.JWT_SECRET.length}`, {
      field: 'JWT_SECRET',
    });
  }
  return persistedSecret(join(config.DATA_DIR, LOOPBACK_SECRET_FILE));
}

/** Reads the secret at `path`, or creates it (exclusively, so two processes starting at once agree on one). */
export function persistedSecret(path: string): string {
  const existing = readSecret(path);
  if (existing !== null) return existing;
  mkdirSync(join(path, '..'), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    // The umask can only remove bits from 0600, but a filesystem that ignores modes is caught on the next read.
    chmodSync(path, 0o600);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readSecret(path) ?? secret;
    throw new ConclaveError('CONFIG_INVALID', `${path}: cannot write the token signing secret: ${(error as Error).message}`, {
      path,
    });
  }
}

function readSecret(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConclaveError('CONFIG_INVALID', `${path}: cannot read the token signing secret: ${(error as Error).message}`, { path });
  }
  // Anyone who can read the secret can mint tokens for every user: refuse rather than use a leaked one.
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new ConclaveError(
      'CONFIG_INVALID',
      `${path}: the token signing secret is readable by other users (mode ${(statSync(path).mode & 0o777).toString(8)}); run \`chmod 600 ${path}\`, or delete it to make a new one (signing everyone out)`,
      { path },
    );
  }
  if (!SECRET_TEXT.test(text)) {
    throw new ConclaveError('CONFIG_INVALID', `${path}: expected at least 43 base64url characters; delete the file to make a new secret`, {
      path,
    });
  }
  return text;
}
