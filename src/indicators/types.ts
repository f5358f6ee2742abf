/**
 * A streaming indicator: feed one input at a time, read the latest value. The batch function of the same
 * indicator folds this very update, so both agree to the last bit.
 *
 * - `update(input)` consumes one input and returns the new value, or `null` during warm-up.
 * - `result` is the latest value, `null` until `requiredInputs` inputs have been seen.
 * - `isStable` is `true` once `result` is available.
 * - `requiredInputs` is the number of inputs needed for the first value.
 * - `reset()` returns the indicator to its freshly constructed state.
 */
export interface StreamingIndicator<I = number, O = number> {
  update(input: I): O | null;
  readonly result: O | null;
  readonly isStable: boolean;
  readonly requiredInputs: number;
  reset(): void;
}

/** A series of numbers, oldest first. Batch forms accept either and always return a new Float64Array. */
export type NumericSeries = Float64Array | readonly number[];

/** One bar's high and low (a `Candle` satisfies it). */
export interface HighLow {
  readonly high: number;
  readonly low: number;
}

/** One bar's high, low and close (a `Candle` satisfies it). */
export interface HighLowClose extends HighLow {
  readonly close: number;
}
