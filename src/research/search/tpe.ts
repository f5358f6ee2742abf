import { mulberry32 } from '../../ml/prng.js';
import type { ParamSet, ParamSpec, ParamValue, SearchSpace } from '../../strategies/search-space.js';
import { drawValid } from './random.js';
import type { Sampler } from './sampler.js';
import { fromUnit, toUnit, uniformDraw } from './sampling.js';

export interface TpeOptions {
  /** Random trials before the model steers (default 10). */
  readonly startup?: number;
  /** Share of scored trials forming the "good" density l(x) (default 0.25). */
  readonly gamma?: number;
  /** Candidates drawn from l(x) per proposal; the one with the largest l/g wins (default 24). */
  readonly candidates?: number;
}

/**
 * Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio, Kégl 2011), our own, univariate, seeded:
 *
 * 1. The first `startup` proposals are uniform random draws (random.ts).
 * 2. Afterwards the scored trials are ranked; the best ceil(gamma x n) form the good set, the rest the bad set
 *    (failed and pruned trials count as bad: they are evidence against their region).
 * 3. Per numeric parameter, in unit space (log space for `log` parameters), l(x) and g(x) are mixtures of one
 *    Gaussian per good/bad observation plus a uniform prior of weight 1/(n+1); each Gaussian's width is the
 *    larger gap to its sorted neighbours, clipped to [0.02, 0.5]. Choices use smoothed counts (+1 each).
 * 4. `candidates` joint sets are drawn from l (a Gaussian around a random good observation, or the prior),
 *    and the valid, unseen one maximising the product over parameters of l(x)/g(x) is proposed.
 *
 * Everything random comes from one mulberry32 stream, so a seed and the same scores give the same proposals.
 */
export function tpeSampler(space: SearchSpace, seed: number, opts: TpeOptions = {}): Sampler {
  const startup = opts.startup ?? 10;
  const gamma = opts.gamma ?? 0.25;
  const nCandidates = opts.candidates ?? 24;
  const rand = mulberry32(seed);
  const seen = new Set<string>();
  const history: { params: ParamSet; score: number | null }[] = [];
  const names = Object.keys(space.params);

  const propose = (): ParamSet | null => {
    if (history.length < startup) return drawValid(space, seen, () => uniformDraw(space, rand));
    const ranked = [...history].sort((a, b) => (b.score ?? Number.NEGATIVE_INFINITY) - (a.score ?? Number.NEGATIVE_INFINITY));
    const nGood = Math.max(1, Math.ceil(gamma * ranked.filter((h) => h.score !== null).length));
    const good = ranked.slice(0, nGood).map((h) => h.params);
    const bad = ranked.slice(nGood).map((h) => h.params);
    const models = names.map((n) => ({
      name: n,
      l: density(
        space.params[n],
        good.map((p) => p[n]),
      ),
      g: density(
        space.params[n],
        bad.map((p) => p[n]),
      ),
    }));
    let best: ParamSet | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < nCandidates; c++) {
      const cand = drawValid(space, new Set(seen), () => {
        const p: Record<string, ParamValue> = {};
        for (const m of models) p[m.name] = m.l.sample(rand);
        return p;
      });
      if (!cand) continue;
      let s = 0;
      for (const m of models) s += Math.log(m.l.pdf(cand[m.name])) - Math.log(m.g.pdf(cand[m.name]));
      if (s > bestScore) {
        bestScore = s;
        best = cand;
      }
    }
    if (best === null) return drawValid(space, seen, () => uniformDraw(space, rand));
    seen.add(
      JSON.stringify(
        Object.keys(best)
          .sort()
          .map((k) => [k, best![k]]),
      ),
    );
    return best;
  };

  return {
    method: 'tpe',
    size: Number.POSITIVE_INFINITY,
    next: propose,
    tell: (params, score) => {
      history.push({ params, score: score !== null && Number.isFinite(score) ? score : null });
    },
  };
}

interface Density {
  pdf(x: ParamValue): number;
  sample(rand: () => number): ParamValue;
}

/** A Parzen density over one parameter's observed values (see tpeSampler). */
export function density(spec: ParamSpec, observed: readonly ParamValue[]): Density {
  if (spec.type === 'choice') {
    const counts = spec.values.map((v) => 1 + observed.filter((o) => o === v).length);
    const total = counts.reduce((a, b) => a + b, 0);
    return {
      pdf: (x) => {
        const i = spec.values.indexOf(x);
        return i < 0 ? 1e-12 : counts[i] / total;
      },
      sample: (rand) => {
        let r = rand() * total;
        for (let i = 0; i < counts.length; i++) {
          r -= counts[i];
          if (r < 0) return spec.values[i];
        }
        return spec.values[spec.values.length - 1];
      },
    };
  }
  const mus = observed.map((o) => toUnit(spec, Number(o)));
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b]);
  const sigmas = new Array<number>(mus.length);
  order.forEach((idx, k) => {
    const left = k > 0 ? mus[idx] - mus[order[k - 1]] : mus[idx];
    const right = k < order.length - 1 ? mus[order[k + 1]] - mus[idx] : 1 - mus[idx];
    sigmas[idx] = Math.min(0.5, Math.max(0.02, left, right));
  });
  const n = mus.length;
  const wPrior = 1 / (n + 1);
  const wEach = n > 0 ? (1 - wPrior) / n : 0;
  return {
    pdf: (x) => {
      const u = toUnit(spec, Number(x));
      let p = wPrior;
      for (let i = 0; i < n; i++) p += wEach * gauss(u, mus[i], sigmas[i]);
      return Math.max(p, 1e-12);
    },
    sample: (rand) => {
      const pick = Math.floor(rand() * (n + 1));
      if (pick >= n) return fromUnit(spec, rand());
      return fromUnit(spec, mus[pick] + sigmas[pick] * normal(rand));
    },
  };
}

const gauss = (x: number, mu: number, sigma: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));

/** A standard normal draw (Box-Muller). */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
