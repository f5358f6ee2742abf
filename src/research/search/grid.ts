import type { ParamSet, ParamValue, SearchSpace } from '../../strategies/search-space.js';
import type { Sampler } from './sampler.js';
import { gridValues } from './sampling.js';

/**
 * Grid search: the product of every parameter's grid points (sampling.ts gridValues), minus the sets the
 * space calls invalid, in a fixed order. With more points than `trials` it tries `trials` of them evenly
 * spaced through that order, so a small budget still spans the whole grid. Results never steer it.
 */
export function gridSampler(space: SearchSpace, trials: number): Sampler {
  const names = Object.keys(space.params);
  const axes = names.map((n) => gridValues(space.params[n]));
  const all: ParamSet[] = [];
  const idx = new Array<number>(names.length).fill(0);
  for (;;) {
    const p: Record<string, ParamValue> = {};
    names.forEach((n, i) => {
      p[n] = axes[i][idx[i]];
    });
    if (!space.invalid?.(p)) all.push(p);
    let d = names.length - 1;
    while (d >= 0 && ++idx[d] === axes[d].length) idx[d--] = 0;
    if (d < 0) break;
  }
  const points = all.length <= trials ? all : Array.from({ length: trials }, (_, i) => all[Math.floor((i * all.length) / trials)]);
  let next = 0;
  return {
    method: 'grid',
    size: points.length,
    next: () => (next < points.length ? points[next++] : null),
    tell: () => {},
  };
}
