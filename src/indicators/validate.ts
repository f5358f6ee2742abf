import { ConclaveError } from '../domain/errors.js';

/** Largest accepted period: windows are preallocated, so an absurd period would be an absurd allocation. */
export const MAX_PERIOD = 1_000_000;

/**
 * @throws ConclaveError VALIDATION_ERROR unless `period` is an integer in [1, MAX_PERIOD].
 */
export function assertPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD) {
    throw new ConclaveError('VALIDATION_ERROR', `${name} must be an integer from 1 to ${MAX_PERIOD}, got ${String(period)}`, {
      field: name,
      value: period,
    });
  }
}

/**
 * @throws ConclaveError VALIDATION_ERROR unless `value` is a finite number >= 0.
 */
export function assertNonNegativeFinite(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ConclaveError('VALIDATION_ERROR', `${name} must be a finite number >= 0, got ${String(value)}`, {
      field: name,
      value,
    });
  }
}

/**
 * @throws ConclaveError VALIDATION_ERROR unless all series have the same length.
 */
export function assertSameLength(series: Readonly<Record<string, { readonly length: number }>>): void {
  const entries = Object.entries(series);
  const first = entries[0];
  if (first === undefined) return;
  for (const [name, values] of entries) {
    if (values.length !== first[1].length) {
      const lengths = Object.fromEntries(entries.map(([n, v]) => [n, v.length]));
      throw new ConclaveError(
        'VALIDATION_ERROR',
        `${entries.map(([n]) => n).join('/')} must have equal lengths, got ${entries.map(([n, v]) => `${n}=${v.length}`).join(', ')}`,
        { lengths, mismatched: name },
      );
    }
  }
}
