import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { checkStrategyParams } from '../../../src/strategies/registry.js';

function fieldOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isConclaveError(error, 'VALIDATION_ERROR')) return String(error.details?.field);
    throw error;
  }
  return undefined;
}

describe('checkStrategyParams (issue 11, finding 20)', () => {
  it("accepts only the strategy's own parameter names", () => {
    expect(fieldOf(() => checkStrategyParams('sma-cross', { fast: 5, slow: 20 }))).toBeUndefined();
    expect(fieldOf(() => checkStrategyParams('mean-reversion', { k: 2.5 }))).toBeUndefined();
    expect(fieldOf(() => checkStrategyParams('sma-cross', { fast: 5, period: 3 }))).toBe('params.period');
    expect(fieldOf(() => checkStrategyParams('breakout', { constructor: 1 }))).toBe('params.constructor');
    expect(fieldOf(() => checkStrategyParams('ml-classifier', { minConfidence: 0.4 }))).toBe('params.minConfidence');
  });

  it('checks the values too', () => {
    expect(fieldOf(() => checkStrategyParams('sma-cross', { fast: 30, slow: 10 }))).toBe('fast');
    expect(fieldOf(() => checkStrategyParams('breakout', { period: 1 }))).toBe('period');
  });
});
