import { describe, expect, it } from 'vitest';
import { type RefreshTokenStore, signingSecret, TokenService } from '../../../src/auth/token-service.js';
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

function setup() {
  let now = 1_700_000_000_000;
  const store = new MemoryRefreshStore();
  const tokens = new TokenService({ secret: 'x'.repeat(32), accessTtlS: 900, refreshTtlS: 3600, now: () => now, refreshStore: store });
  return { tokens, store, advance: (ms: number) => (now += ms) };
}

describe('TokenService', () => {
  it('issues a pair whose access token names the user and whose refresh token is recorded', async () => {
    const { tokens, store } = setup();
    const pair = await tokens.issue(42);
    expect(pair.token_type).toBe('bearer');
    expect(pair.expires_in).toBe(900);
    expect(tokens.verifyAccess(pair.access_token)).toBe(42);
    expect([...store.tokens.values()]).toEqual([{ userId: 42, expiresAt: 1_700_000_000_000 + 3_600_000, revoked: false }]);
  });

  it('rotates a refresh token once; the second use is refused', async () => {
    const { tokens } = setup();
    const pair = await tokens.issue(5);
    const next = await tokens.rotate(pair.refresh_token);
    expect(tokens.verifyAccess(next.access_token)).toBe(5);
    expect(await rejection(tokens.rotate(pair.refresh_token))).toBe('UNAUTHORIZED');
    expect(await rejection(tokens.rotate(next.refresh_token))).toBe('resolved');
  });

  it('does not accept an access token as a refresh token or the reverse', async () => {
    const { tokens } = setup();
    const pair = await tokens.issue(5);
    expect(await rejection(tokens.rotate(pair.access_token))).toBe('UNAUTHORIZED');
    expect(() => tokens.verifyAccess(pair.refresh_token)).toThrow(/access token/);
  });

  it('lets tokens expire with the clock', async () => {
    const { tokens, advance } = setup();
    const pair = await tokens.issue(5);
    advance(899_000);
    expect(tokens.verifyAccess(pair.access_token)).toBe(5);
    advance(1_000);
    expect(() => tokens.verifyAccess(pair.access_token)).toThrow(/expired/);
    advance(3_600_000);
    expect(await rejection(tokens.rotate(pair.refresh_token))).toBe('UNAUTHORIZED');
  });
});

describe('signingSecret', () => {
  it('uses JWT_SECRET, invents one on loopback, and refuses to run off loopback without one', () => {
    expect(signingSecret({ JWT_SECRET: 's'.repeat(16), HOST: '0.0.0.0', isLoopback: false })).toBe('s'.repeat(16));
    const a = signingSecret({ JWT_SECRET: '', HOST: '127.0.0.1', isLoopback: true });
    const b = signingSecret({ JWT_SECRET: '', HOST: '127.0.0.1', isLoopback: true });
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(32);
    const fail = (c: { JWT_SECRET: string; HOST: string; isLoopback: boolean }) => {
      try {
        signingSecret(c);
        return 'ok';
      } catch (error) {
        return isConclaveError(error) ? error.code : 'other';
      }
    };
    expect(fail({ JWT_SECRET: '', HOST: '0.0.0.0', isLoopback: false })).toBe('CONFIG_INVALID');
    expect(fail({ JWT_SECRET: 'short', HOST: '127.0.0.1', isLoopback: true })).toBe('CONFIG_INVALID');
  });
});
