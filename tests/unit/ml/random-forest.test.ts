import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConclaveError } from '../../../src/domain/errors.js';
import { type ForestJson, RandomForest } from '../../../src/ml/random-forest.js';

/** Deterministic test data: xorshift so tests do not depend on the forest's own PRNG. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Class = which third of [0, 1) feature 0 falls in; features 1..3 are noise. Separable by two splits. */
function separable(rows: number, seed: number): { X: Float64Array; y: Uint8Array } {
  const r = rng(seed);
  const X = new Float64Array(rows * 4);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < 4; f++) X[i * 4 + f] = r();
    y[i] = X[i * 4] < 1 / 3 ? 0 : X[i * 4] < 2 / 3 ? 1 : 2;
  }
  return { X, y };
}

/** Noisy labels, so trees are deep and probabilities non-trivial. */
function noisy(rows: number, seed: number): { X: Float64Array; y: Uint8Array } {
  const r = rng(seed);
  const X = new Float64Array(rows * 6);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < 6; f++) X[i * 6 + f] = r() * 2 - 1;
    const score = X[i * 6] + 0.5 * X[i * 6 + 1] + (r() - 0.5);
    y[i] = score > 0.4 ? 0 : score < -0.4 ? 1 : 2;
  }
  return { X, y };
}

function predictAll(rf: RandomForest, X: Float64Array, rows: number): Uint8Array {
  return rf.predictBatch(X, rows);
}

describe('RandomForest', () => {
  it('learns a separable problem to 100% on unseen rows', () => {
    const train = separable(600, 1);
    const test = separable(400, 2);
    const rf = new RandomForest({ nTrees: 30, maxDepth: 8, seed: 7 });
    rf.fit(train.X, 600, 4, train.y, 3);
    const pred = predictAll(rf, test.X, 400);
    let ok = 0;
    for (let i = 0; i < 400; i++) if (pred[i] === test.y[i]) ok++;
    expect(ok / 400).toBeGreaterThanOrEqual(0.99);
    // The informative feature dominates the importances.
    const imp = rf.featureImportances();
    expect(imp[0]).toBeGreaterThan(0.8);
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('binned mode also learns the separable problem', () => {
    const train = separable(600, 3);
    const test = separable(300, 4);
    const rf = new RandomForest({ nTrees: 20, maxDepth: 8, seed: 1, bins: 128 });
    rf.fit(train.X, 600, 4, train.y, 3);
    const pred = predictAll(rf, test.X, 300);
    let ok = 0;
    for (let i = 0; i < 300; i++) if (pred[i] === test.y[i]) ok++;
    expect(ok / 300).toBeGreaterThanOrEqual(0.97);
  });

  it('binned mode (histogram builder) grows the exact trees when every feature has fewer distinct values than bins', () => {
    // Integer features 0..29: the bin codes are the values' ranks, so histogram splits partition every tree's
    // bootstrap sample exactly as the presorted exact splits do. Only thresholds may differ, inside gaps of a
    // node's values (the binned one sits at a global bin edge), so they are left out of the comparison.
    const r = rng(21);
    const rows = 700;
    const X = new Float64Array(rows * 6);
    const y = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let f = 0; f < 6; f++) X[i * 6 + f] = Math.floor(r() * 30);
      const score = X[i * 6] - X[i * 6 + 1] + 10 * (r() - 0.5);
      y[i] = score > 6 ? 0 : score < -6 ? 1 : 2;
    }
    for (const opts of [
      { nTrees: 15, maxDepth: 10, seed: 3 },
      { nTrees: 10, maxDepth: 64, seed: 9, minSamplesLeaf: 3, maxFeatures: 4 },
    ]) {
      const exact = new RandomForest(opts);
      exact.fit(X, rows, 6, y, 3);
      const binned = new RandomForest({ ...opts, bins: 256 });
      binned.fit(X, rows, 6, y, 3);
      const { threshold: _a, ...b } = binned.toJSON().nodes;
      const { threshold: _b, ...e } = exact.toJSON().nodes;
      expect(b.count).toBeGreaterThan(100);
      expect(b).toEqual(e);
      expect(binned.featureImportances()).toEqual(exact.featureImportances());
    }
  });

  it('same data and seed give the same probabilities; another seed gives other ones', () => {
    const { X, y } = noisy(500, 3);
    for (const bins of [0, 256]) {
      const fitWith = (seed: number) => {
        const rf = new RandomForest({ nTrees: 25, maxDepth: 12, seed, bins });
        rf.fit(X, 500, 6, y, 3);
        return rf.predictProbaBatch(X, 500);
      };
      expect(fitWith(42)).toEqual(fitWith(42));
      expect(fitWith(43)).not.toEqual(fitWith(42));
    }
  });

  it('reports progress once per tree', () => {
    const { X, y } = noisy(100, 5);
    const seen: string[] = [];
    new RandomForest({ nTrees: 3, maxDepth: 3, seed: 1 }).fit(X, 100, 6, y, 3, (d, t) => seen.push(`${d}/${t}`));
    expect(seen).toEqual(['1/3', '2/3', '3/3']);
  });

  const { X, y } = noisy(800, 11);
  const forest = new RandomForest({ nTrees: 40, maxDepth: 64, seed: 5 });
  forest.fit(X, 800, 6, y, 3);
  const row = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 6, maxLength: 6 });

  it('probabilities are in [0, 1] and sum to 1 (property)', () => {
    fc.assert(
      fc.property(row, (r) => {
        const p = forest.predictProba(r);
        for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
        expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
      }),
    );
  });

  it('explain contributions sum to P(cls) - prior[cls] (Saabas property)', () => {
    const prior = forest.prior();
    fc.assert(
      fc.property(row, fc.integer({ min: 0, max: 2 }), (r, cls) => {
        const contributions = forest.explain(r, cls);
        const sum = contributions.reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(forest.predictProba(r)[cls] - prior[cls], 12);
      }),
    );
  });

  it('toJSON/fromJSON round trip (through a JSON string) predicts identically', () => {
    const copy = RandomForest.fromJSON(JSON.parse(JSON.stringify(forest.toJSON())) as ForestJson);
    expect(copy.predictProbaBatch(X, 800)).toEqual(forest.predictProbaBatch(X, 800));
    expect(copy.explain(X.subarray(0, 6), 1)).toEqual(forest.explain(X.subarray(0, 6), 1));
    expect(copy.featureImportances()).toEqual(forest.featureImportances());
    expect(copy.options).toEqual(forest.options);
  });

  it('fromJSON rejects damaged or foreign files with MODEL_INCOMPATIBLE', () => {
    const good = forest.toJSON();
    const cases: unknown[] = [
      { ...good, format: 'sklearn' },
      { ...good, formatVersion: 99 },
      { ...good, nodes: { ...good.nodes, count: good.nodes.count + 1 } },
      { ...good, nodes: { ...good.nodes, left: Buffer.alloc(good.nodes.count * 4, 0).toString('base64') } },
      { ...good, roots: [good.nodes.count + 5] },
      { ...good, importances: [1] },
    ];
    for (const bad of cases) {
      try {
        RandomForest.fromJSON(bad as ForestJson);
        expect.unreachable('fromJSON accepted a damaged forest');
      } catch (error) {
        expect(isConclaveError(error, 'MODEL_INCOMPATIBLE')).toBe(true);
      }
    }
  });

  it('respects maxDepth: a depth-1 forest is a set of stumps', () => {
    const rf = new RandomForest({ nTrees: 10, maxDepth: 1, seed: 1 });
    rf.fit(X, 800, 6, y, 3);
    expect(rf.nodeCount).toBe(30);
  });

  it('validates options and inputs', () => {
    expect(() => new RandomForest({ nTrees: 0, maxDepth: 3, seed: 1 })).toThrow(/nTrees/);
    expect(() => new RandomForest({ nTrees: 1, maxDepth: 3, seed: 1, bins: 300 })).toThrow(/bins/);
    const rf = new RandomForest({ nTrees: 1, maxDepth: 3, seed: 1 });
    expect(() => rf.predictProba([0, 0])).toThrow(/not fitted/);
    expect(() => rf.fit(new Float64Array(5), 2, 3, new Uint8Array(2), 3)).toThrow(/rows\*cols/);
    expect(() => rf.fit(new Float64Array(6), 2, 3, Uint8Array.from([0, 3]), 3)).toThrow(/nClasses/);
    expect(() => rf.fit(Float64Array.from([0, 1, Number.NaN, 0, 0, 0]), 2, 3, new Uint8Array(2), 3)).toThrow(/finite/);
  });
});
