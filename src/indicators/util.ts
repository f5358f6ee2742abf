/**
 * The newest value of a batch output, or `null` when the series is empty or still warming up (NaN).
 */
export function last(values: Float64Array): number | null {
  if (values.length === 0) return null;
  const value = values[values.length - 1];
  return Number.isNaN(value) ? null : value;
}
