import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConclaveError } from '../domain/errors.js';

/** Claims Conclave puts in its tokens. Times are epoch seconds (RFC 7519 NumericDate). */
export interface JwtClaims {
  /** The user id as a decimal string. */
  readonly sub: string;
  /** `access` tokens open the API; `refresh` tokens only buy a new pair at /api/auth/refresh. */
  readonly typ: 'access' | 'refresh';
  readonly iat: number;
  readonly exp: number;
  /** Unique id; refresh tokens are tracked (and revoked on rotation) by it. */
  readonly jti: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function mac(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** Signs `claims` as a compact HS256 JWT. */
export function signJwt(claims: JwtClaims, secret: string): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${mac(body, secret).toString('base64url')}`;
}

function unauthorized(message: string): ConclaveError {
  return new ConclaveError('UNAUTHORIZED', message);
}

/**
 * Verifies an HS256 JWT: header alg exactly HS256 (no `none`, no algorithm switching), signature in constant
 * time, `exp` after `nowS`, the expected `typ`, and a positive integer subject.
 * @throws ConclaveError UNAUTHORIZED saying which check failed (never echoing the token).
 */
export function verifyJwt(token: string, secret: string, nowS: number, typ: JwtClaims['typ']): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw unauthorized('token: expected a JWT of three dot-separated parts');
  const [header, payload, signature] = parts;
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    throw unauthorized('token: header is not base64url JSON');
  }
  if (alg !== 'HS256') throw unauthorized(`token: expected alg HS256, got ${JSON.stringify(alg)}`);
  const expected = mac(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('token: signature does not verify');
  let claims: Partial<JwtClaims>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<JwtClaims>;
  } catch {
    throw unauthorized('token: payload is not base64url JSON');
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) throw unauthorized('token: expired');
  if (claims.typ !== typ) throw unauthorized(`token: expected a ${typ} token, got ${JSON.stringify(claims.typ)}`);
  if (typeof claims.sub !== 'string' || !/^[1-9]\d{0,15}$/.test(claims.sub)) throw unauthorized('token: subject is not a user id');
  if (typeof claims.jti !== 'string' || typeof claims.iat !== 'number') throw unauthorized('token: jti or iat missing');
  return claims as JwtClaims;
}
