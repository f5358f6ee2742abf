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
  /** The user's token version when issued; `conclave user revoke-tokens` bumps it, killing every older token. */
  readonly ver: number;
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

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes one token part, accepting only the canonical unpadded base64url form. Node's decoder skips `=`,
 * stray characters and unused trailing bits, so without the round trip `<token>==` or a different last
 * character would decode to the same bytes and a signed token would have many valid spellings.
 */
function decodePart(part: string, what: string): Buffer {
  const bytes = BASE64URL.test(part) ? Buffer.from(part, 'base64url') : null;
  if (!bytes || bytes.toString('base64url') !== part) throw unauthorized(`token: ${what} is not canonical base64url`);
  return bytes;
}

/**
 * Verifies an HS256 JWT: every part canonical base64url, header alg exactly HS256 (no `none`, no algorithm
 * switching), signature in constant time, `exp` after `nowS`, the expected `typ`, a positive integer subject
 * and a token version.
 * @throws ConclaveError UNAUTHORIZED saying which check failed (never echoing the token).
 */
export function verifyJwt(token: string, secret: string, nowS: number, typ: JwtClaims['typ']): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw unauthorized('token: expected a JWT of three dot-separated parts');
  const [header, payload, signature] = parts;
  const headerBytes = decodePart(header, 'header');
  const payloadBytes = decodePart(payload, 'payload');
  const given = decodePart(signature, 'signature');
  let alg: unknown;
  try {
    alg = (JSON.parse(headerBytes.toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    throw unauthorized('token: header is not base64url JSON');
  }
  if (alg !== 'HS256') throw unauthorized(`token: expected alg HS256, got ${JSON.stringify(alg)}`);
  const expected = mac(`${header}.${payload}`, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('token: signature does not verify');
  let claims: Partial<JwtClaims>;
  try {
    claims = JSON.parse(payloadBytes.toString('utf8')) as Partial<JwtClaims>;
  } catch {
    throw unauthorized('token: payload is not base64url JSON');
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) throw unauthorized('token: expired');
  if (claims.typ !== typ) throw unauthorized(`token: expected a ${typ} token, got ${JSON.stringify(claims.typ)}`);
  if (typeof claims.sub !== 'string' || !/^[1-9]\d{0,15}$/.test(claims.sub)) throw unauthorized('token: subject is not a user id');
  if (typeof claims.jti !== 'string' || typeof claims.iat !== 'number') throw unauthorized('token: jti or iat missing');
  if (!Number.isSafeInteger(claims.ver) || (claims.ver as number) < 0) throw unauthorized('token: version missing; log in again');
  return claims as JwtClaims;
}
