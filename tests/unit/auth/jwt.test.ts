import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type JwtClaims, signJwt, verifyJwt } from '../../../src/auth/jwt.js';
import { isConclaveError } from '../../../src/domain/errors.js';

const SECRET = 'a-test-secret-of-enough-length';
const claims: JwtClaims = { sub: '7', typ: 'access', iat: 1_000, exp: 2_000, jti: 'j-1', ver: 0 };

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isConclaveError(error) ? error.code : 'NOT_CONCLAVE';
  }
}

describe('HS256 JWT', () => {
  it('signs byte-for-byte like the reference token of RFC 7519 tooling (jwt.io example)', () => {
    const reference =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const payload = { sub: '1234567890', name: 'John Doe', iat: 1516239022 } as unknown as JwtClaims;
    expect(signJwt(payload, 'your-256-bit-secret')).toBe(reference);
  });

  it('verifies its own tokens before exp and refuses them at and after exp', () => {
    const token = signJwt(claims, SECRET);
    expect(verifyJwt(token, SECRET, 1_999, 'access')).toEqual(claims);
    expect(code(() => verifyJwt(token, SECRET, 2_000, 'access'))).toBe('UNAUTHORIZED');
  });

  it('refuses a tampered payload, a wrong secret, a wrong type and alg none', () => {
    const token = signJwt(claims, SECRET);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    expect(code(() => verifyJwt(`${h}.${forged}.${s}`, SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
    expect(code(() => verifyJwt(token, 'another-secret-of-enough-length', 1_500, 'access'))).toBe('UNAUTHORIZED');
    expect(code(() => verifyJwt(token, SECRET, 1_500, 'refresh'))).toBe('UNAUTHORIZED');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect(code(() => verifyJwt(`${none}.${body}.`, SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
    // A correctly signed token with alg none in the header is still refused.
    const sig = createHmac('sha256', SECRET).update(`${none}.${body}`).digest('base64url');
    expect(code(() => verifyJwt(`${none}.${body}.${sig}`, SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
    expect(code(() => verifyJwt('not-a-jwt', SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
  });

  it('refuses a non-numeric subject', () => {
    const token = signJwt({ ...claims, sub: 'admin' }, SECRET);
    expect(code(() => verifyJwt(token, SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
  });

  it('refuses a token without a version (issued before revocation existed)', () => {
    const { ver: _ver, ...old } = claims;
    const token = signJwt(old as JwtClaims, SECRET);
    expect(code(() => verifyJwt(token, SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
    expect(code(() => verifyJwt(signJwt({ ...claims, ver: -1 }, SECRET), SECRET, 1_500, 'access'))).toBe('UNAUTHORIZED');
  });

  // Issue 11 finding 18: Node's base64url decoder ignores '=', stray characters and unused trailing bits, so
  // these spellings decoded to the same signature and authenticated.
  it('accepts only the canonical base64url spelling of each part (no padding, no stray characters, no spare bits)', () => {
    const token = signJwt(claims, SECRET);
    expect(verifyJwt(token, SECRET, 1_500, 'access')).toEqual(claims);
    const [h, p, s] = token.split('.');
    // 32 signature bytes are 43 characters: the last one carries 4 spare bits, so flipping one still decodes alike.
    const last = s[s.length - 1];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(`${s.slice(0, -1)}${twin}`, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
    for (const forged of [
      `${token}=`,
      `${token}==`,
      `${h}.${p}.${s.slice(0, -1)}${twin}`,
      `${h}=.${p}.${s}`,
      `${h}.${p}==.${s}`,
      `${h}.${p}.${s.slice(0, 10)}+${s.slice(10)}`,
      `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`,
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`,
    ]) {
      if (forged === token) continue;
      expect(
        code(() => verifyJwt(forged, SECRET, 1_500, 'access')),
        forged,
      ).toBe('UNAUTHORIZED');
    }
  });
});
