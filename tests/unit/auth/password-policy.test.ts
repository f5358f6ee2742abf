import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH, passwordProblem } from '../../../src/auth/password-policy.js';

const alice = { username: 'alice', email: 'alice@example.com' };

describe('password policy', () => {
  // Issue 11 finding 15: each of these was accepted at registration.
  it.each([
    ['password', /at least 10 characters/],
    ['12345678', /at least 10 characters/],
    ['        ', /at least 10 characters/],
    [' '.repeat(12), /whitespace/],
    ['\t \n'.repeat(4), /whitespace/],
    ['aaaaaaaaaaaa', /repeated/],
    ['1234567890', /most common/],
    ['Password123', /most common/],
    ['QWERTY UIOP', /most common/],
    ['alice@example.com', /username or email/],
    ['ALICE@EXAMPLE.COM', /username or email/],
    ['alice12345', /username or email/],
  ])('refuses %j', (password, why) => {
    expect(passwordProblem(password, alice)).toMatch(why);
  });

  it('refuses the username itself once it is long enough to pass the length rule', () => {
    expect(passwordProblem('longusername', { username: 'LongUserName', email: 'x@example.com' })).toMatch(/username or email/);
    expect(passwordProblem('the-mailbox', { username: 'someone', email: 'The-Mailbox@example.com' })).toMatch(/username or email/);
  });

  it.each(['correct horse battery', 'Tr0ub4dor&3x', 'alice likes long walks', 'ünïcödé-pässwörd'])('accepts %j', (password) => {
    expect(passwordProblem(password, alice)).toBeNull();
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(10);
    expect(passwordProblem('😀😀😀😀😀😀😀😀😀', alice)).toMatch(/got 9/);
    expect(passwordProblem('😀😀😀😀😀😀😀😀😀x', alice)).toBeNull();
  });
});
