import { ConclaveError } from '../domain/errors.js';

/** JSON text for a text column; `undefined` becomes null so the column never holds the string "undefined". */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function toJsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * Parses a JSON text column written by this module.
 * @throws ConclaveError INTERNAL_ERROR when the stored text is not JSON (the row was written by something else).
 */
export function fromJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new ConclaveError(
      'INTERNAL_ERROR',
      `store: column ${column} should hold JSON, got ${JSON.stringify(text.slice(0, 80))}`,
      { column },
      { cause: error },
    );
  }
}

export function fromJsonOrNull<T>(text: string | null, column: string): T | null {
  return text === null ? null : fromJson<T>(text, column);
}

/** Booleans are 0/1 integers on both dialects (better-sqlite3 refuses JS booleans as parameters). */
export function toIntBool(value: boolean): number {
  return value ? 1 : 0;
}

export function fromIntBool(value: number): boolean {
  return Number(value) !== 0;
}

/** Splits `items` into arrays of at most `size`, for multi-row inserts under the dialects' parameter limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
