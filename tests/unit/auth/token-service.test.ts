import { describe, expect, it } from 'vitest';
import { checkVersion, type RefreshTokenStore, TokenService } from '../../../src/auth/token-service.js';
import { isConclaveError } from '../../../src/domain/errors.js';

class MemoryRefreshStore implements RefreshTokenStore {
  readonly tokens = new Map<string, { userId: number; expiresAt: number; revoked: boolean }>();
  async saveRefresh(jti: string, userId: number, expiresAt: number): Promise<void> {
    this.tokens.set(jti, { userId, expiresAt, revoked: false });
  }
  async revokeRefresh(jti: string): Promise<boolean> {
    const t = this.tokens.get(jti);
    if (!t || t.revoked) return false;
    t.revoked = true;
    return true;
  }
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    return isConclaveError(error) ? error.code : 'NOT_CONCLAVE';
  }
}

/** The user table as rotate sees it: every user exists at token version 0. */
const current = async () => 0;

function setup() {
  let now = 1_700_000_000_000;
  const store = new MemoryRefreshStore();
  const tokens = new TokenService({ secret: 'x'.repeat(32), accessTtlS: 900, refreshTtlS: 3600, now: () => now, refreshStore: store });
  return { tokens, store, advance: (ms: number) => (now += ms) };
}

describe('TokenService', () => {
  it('issues a pair whose access token names the user and whose refresh token is recorded', async () => {
    const { tokens, store } = setup();
    const pair = await tokens.issue(42, 3);
    expect(pair.token_type).toBe('bearer');
    expect(pair.expires_in).toBe(900);
    expect(tokens.verifyAccess(pair.access_token)).toEqual({ userId: 42, ver: 3 });
    expect([...store.tokens.values()]).toEqual([{ userId: 42, expiresAt: 1_700_000_000_000 + 3_600_000, revoked: false }]);
  });

  it('rotates a refresh token once; the second use is refused', async () => {
    const { tokens } = setup();
    const pair = await tokens.issue(5, 0);
    const next = await tokens.rotate(pair.refresh_token, current);
    expect(tokens.verifyAccess(next.access_token)).toEqual({ userId: 5, ver: 0 });
    expect(await rejection(tokens.rotate(pair.refresh_token, current))).toBe('UNAUTHORIZED');
    expect(await rejection(tokens.rotate(next.refresh_token, current))).toBe('resolved');
  });

  it('does not accept an access token as a refresh token or the reverse', async () => {
    const { tokens } = setup();
    const pair = await tokens.issue(5, 0);
    expect(await rejection(tokens.rotate(pair.access_token, current))).toBe('UNAUTHORIZED');
    expect(() => tokens.verifyAccess(pair.refresh_token)).toThrow(/access token/);
  });

  it('lets tokens expire with the clock', async () => {
    const { tokens, advance } = setup();
    const pair = await tokens.issue(5, 0);
    advance(899_000);
    expect(tokens.verifyAccess(pair.access_token).userId).toBe(5);
    advance(1_000);
    expect(() => tokens.verifyAccess(pair.access_token)).toThrow(/expired/);
    advance(3_600_000);
    expect(await rejection(tokens.rotate(pair.refresh_token, current))).toBe('UNAUTHORIZED');
  });
});

describe('TokenService with the user table', () => {
  it('refuses to rotate the refresh token of a vanished user or of a revoked token version, and does not burn it', async () => {
    const { tokens, store } = setup();
    const pair = await tokens.issue(5, 0);
    expect(await rejection(tokens.rotate(pair.refresh_token, async () => null))).toBe('UNAUTHORIZED');
    expect(await rejection(tokens.rotate(pair.refresh_token, async () => 1))).toBe('UNAUTHORIZED');
    expect([...store.tokens.values()].every((t) => !t.revoked)).toBe(true);
    const next = await tokens.rotate(pair.refresh_token, current);
    expect(tokens.verifyAccess(next.access_token)).toEqual({ userId: 5, ver: 0 });
  });

  it('checkVersion passes only the current version of an existing user', () => {
    expect(() => checkVersion(5, 2, 2)).not.toThrow();
    expect(() => checkVersion(5, 1, 2)).toThrow(/revoked/);
    expect(() => checkVersion(5, 0, null)).toThrow(/no longer exists/);
  });
});
