import { ConclaveError } from './errors.js';

/** Rejects NaN, infinities and (unless allowed) negatives before they reach the book. */
export function assertFiniteAmount(name: string, value: number, opts: { allowNegative?: boolean } = {}): number {
  if (!Number.isFinite(value)) {
    throw new ConclaveError('VALIDATION_ERROR', `${name} must be a finite number, got ${value}`, { field: name });
  }
  if (!opts.allowNegative && value < 0) {
    throw new ConclaveError('VALIDATION_ERROR', `${name} must be >= 0, got ${value}`, { field: name });
  }
  return value;
}

/** Rounds a quantity down to the venue's step so a fill never exceeds what was affordable. */
export function roundDownToStep(quantity: number, step: number): number {
  if (step <= 0) return quantity;
  const steps = Math.floor(quantity / step + 1e-9);
  // toFixed on the step's decimals removes binary noise such as 0.30000000000000004
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((steps * step).toFixed(decimals));
}

export function bps(value: number): number {
  return value / 10_000;
}
