import type { ParamSet, ParamSpec, ParamValue, SearchSpace } from '../../strategies/search-space.js';

/**
 * Numeric parameters live in the unit interval for the samplers: u = (x - min) / (max - min), or the same in
 * log space for `log` parameters. Choices are indices.
 */
export function toUnit(spec: ParamSpec, x: number): number {
  if (spec.type === 'choice') return 0;
  if (spec.max === spec.min) return 0;
  if (spec.log && spec.min > 0) return (Math.log(x) - Math.log(spec.min)) / (Math.log(spec.max) - Math.log(spec.min));
  return (x - spec.min) / (spec.max - spec.min);
}

/** The parameter value at unit position `u` (clamped to [0, 1]; ints rounded to the nearest whole number). */
export function fromUnit(spec: ParamSpec, u: number): number {
  if (spec.type === 'choice') return 0;
  const c = Math.min(1, Math.max(0, u));
  const x =
    spec.log && spec.min > 0
      ? Math.exp(Math.log(spec.min) + c * (Math.log(spec.max) - Math.log(spec.min)))
      : spec.min + c * (spec.max - spec.min);
  return spec.type === 'int' ? Math.min(spec.max, Math.max(spec.min, Math.round(x))) : roundTo(x, spec.max - spec.min);
}

/** Six significant digits of the range: trial tables stay readable and a value round-trips through CSV. */
function roundTo(x: number, range: number): number {
  const digits = Math.max(0, 6 - Math.ceil(Math.log10(Math.max(range, 1e-12))));
  return Number(x.toFixed(Math.min(12, digits)));
}

/** One uniform draw of every parameter. */
export function uniformDraw(space: SearchSpace, rand: () => number): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(space.params)) {
    out[name] = spec.type === 'choice' ? spec.values[Math.floor(rand() * spec.values.length)] : fromUnit(spec, rand());
  }
  return out;
}

/** Stable text key of a set (duplicates are not tried twice). */
export function paramKey(p: ParamSet): string {
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
}

/** The grid points of one parameter: min..max by `step` (5 points when no step), or the choices. */
export function gridValues(spec: ParamSpec): ParamValue[] {
  if (spec.type === 'choice') return [...spec.values];
  const out: number[] = [];
  if (spec.step !== undefined && spec.step > 0) {
    for (let k = 0; ; k++) {
      const x = spec.min + k * spec.step;
      if (x > spec.max + 1e-12) break;
      out.push(spec.type === 'int' ? Math.round(x) : roundTo(x, spec.max - spec.min));
    }
  } else {
    for (let k = 0; k < 5; k++) out.push(fromUnit(spec, k / 4));
  }
  return [...new Set(out)];
}
