import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/auth/password.js';

const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
const cheap = { N: 1024, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies against the RFC 7914 test vector (password / NaCl, N=1024, r=8, p=16)', async () => {
    // First 32 bytes of the 64-byte vector in RFC 7914 section 12: PBKDF2 output blocks are independent.
    const key = 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162';
    const stored = `scrypt$1024$8$16$${Buffer.from('NaCl').toString('base64url')}$${b64url(key)}`;
    expect(await verifyPassword('password', stored)).toBe(true);
    expect(await verifyPassword('passwore', stored)).toBe(false);
  });

  it('round-trips, salts every hash, and never contains the password', async () => {
    const a = await hashPassword('correct horse battery', cheap);
    const b = await hashPassword('correct horse battery', cheap);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(a.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('uses the default memory-hard cost when none is given', async () => {
    const h = await hashPassword('s3cret-password');
    expect(h.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
  });

  it('matches nothing against an empty or malformed hash (the loopback user cannot log in)', async () => {
    for (const stored of ['', 'scrypt$', 'bcrypt$1$2$3$4$5', 'scrypt$0$8$1$AAAA$AAAA', 'scrypt$1024$8$1$$AAAA']) {
      expect(await verifyPassword('', stored)).toBe(false);
      expect(await verifyPassword('anything', stored)).toBe(false);
    }
  });
});
