import { ConclaveError } from '../domain/errors.js';

/** Shortest password accepted (NIST SP 800-63B asks for at least 8; 10 leaves the most common short ones out). */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * Passwords of at least MIN_PASSWORD_LENGTH characters that top the public breach lists; shorter ones are
 * already refused by length. Compared case-insensitively, ignoring spaces.
 */
const COMMON = new Set([
  '0123456789',
  '1234567890',
  '0987654321',
  '9876543210',
  '1111111111',
  '1234512345',
  '1qaz2wsx3edc',
  '1q2w3e4r5t',
  '1q2w3e4r5t6y',
  'qwertyuiop',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  'asdfghjkl;',
  'asdfghjkl1',
  'zxcvbnm123',
  'password12',
  'password123',
  'password1234',
  'password!',
  'password01',
  'passw0rd123',
  'p@ssw0rd123',
  'p@ssword123',
  'iloveyou12',
  'iloveyou123',
  'letmein123',
  'welcome123',
  'welcome1234',
  'admin12345',
  'administrator',
  'changeme123',
  'trustno1234',
  'football123',
  'baseball123',
  'princess123',
  'sunshine123',
  'monkey12345',
  'dragon12345',
  'superman123',
  'starwars123',
  'whatever123',
  'abc1234567',
  'abcdefghij',
  'abcd123456',
  'aaaaaaaaaa',
  'correcthorsebatterystaple',
  'bitcoin123',
  'bitcoin1234',
  'conclave123',
  'conclave1234',
  'tradingbot123',
]);

/** What a password is checked against besides itself. */
export interface PasswordContext {
  readonly username: string;
  readonly email?: string | null;
}

/**
 * Why `password` is too weak, or null when it is acceptable: shorter than MIN_PASSWORD_LENGTH, only
 * whitespace, one character repeated, a well-known password, or the username / email (or its local part),
 * alone or with only digits and symbols around it.
 */
export function passwordProblem(password: string, context: PasswordContext): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `password: expected at least ${MIN_PASSWORD_LENGTH} characters, got ${length}`;
  if (length > MAX_PASSWORD_LENGTH) return `password: expected at most ${MAX_PASSWORD_LENGTH} characters, got ${length}`;
  if (password.trim().length === 0) return 'password: expected more than whitespace';
  const folded = password.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  if (new Set(folded).size === 1) return 'password: expected more than one character repeated';
  if (COMMON.has(folded)) return 'password: this is one of the most common passwords; choose another';
  const email = context.email?.toLowerCase() ?? '';
  const personal = [context.username.toLowerCase(), email, email.split('@')[0]].filter((x) => x.length > 0);
  // `alice`, `alice2024!` and `2024alice` alike: the name plus digits or symbols adds little to guess.
  const padded = (p: string) => folded.includes(p) && /^[^\p{L}]*$/u.test(folded.replace(p, ''));
  if (personal.map((p) => p.replace(/\s+/g, '')).some(padded)) {
    return 'password: expected something other than the username or email';
  }
  return null;
}

/** @throws ConclaveError VALIDATION_ERROR (field `password`) when passwordProblem finds one. */
export function assertStrongPassword(password: string, context: PasswordContext): void {
  const problem = passwordProblem(password, context);
  if (problem) throw new ConclaveError('VALIDATION_ERROR', problem, { field: 'password' });
}
