/**
 * Random forest classifier over typed arrays, scikit-learn's recipe: Gini trees with exact splits (presorted
 * indices, see tree-builder.ts) or optionally quantile-binned ones, a bootstrap per tree, floor(sqrt(cols))
 * features tried per split, and a seeded PRNG so the same data and seed give the same forest. Nodes of all
 * trees live in flat typed arrays in preorder, so prediction is a tight loop.
 *
 * Accuracy figures of a classifier mean little alone: always compare them with the majority-class baseline
 * (`majorityClassAccuracy` in evaluation.ts). On 1-minute crypto bars this model does not beat it.
 */
import { ConclaveError } from '../domain/errors.js';
import { binMatrix, MAX_BINS, separatingMidpoint } from './binning.js';
import { growTreeHist, HistBuffers } from './hist-tree-builder.js';
import { mulberry32 } from './prng.js';
import { GrowBuffers, type GrowParams, growTree, NodeBuffer } from './tree-builder.js';
import { decodeFloat64, decodeInt32, encodeFloat64, encodeInt32 } from './typed-codec.js';

export interface ForestOptions {
  /** Number of trees (>= 1). */
  nTrees: number;
  /** Maximum depth of each tree; the root is depth 0. Use a large value (e.g. 64) for fully grown trees. */
  maxDepth: number;
  /** Seed of bootstrap draws and feature sampling. */
  seed: number;
  /** Minimum weighted samples (bootstrap draws) in each leaf; default 1. */
  minSamplesLeaf?: number;
  /** Features tried per split: a count or 'sqrt' (default, floor(sqrt(cols)) as scikit-learn). */
  maxFeatures?: number | 'sqrt';
  /**
   * 0 (default): exact splits, a candidate between every pair of adjacent distinct values (as scikit-learn).
   * 2..256: quantile-binned features, candidates only at bin edges (coarser, a form of regularisation).
   */
  bins?: number;
}

export const FOREST_FORMAT = 'conclave-random-forest';
export const FOREST_FORMAT_VERSION = 1;

/** Serialised forest. Node arrays are base64 of little-endian bytes (see typed-codec.ts). */
export interface ForestJson {
  format: typeof FOREST_FORMAT;
  formatVersion: number;
  options: Required<ForestOptions>;
  nFeatures: number;
  nClasses: number;
  roots: number[];
  importances: number[];
  nodes: { count: number; feature: string; threshold: string; left: string; right: string; value: string };
}

interface FittedState {
  nFeatures: number;
  nClasses: number;
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Class probabilities of every node (internal nodes too: explain() needs them). */
  value: Float64Array;
  importances: Float64Array;
  /**
   * Hot copy for prediction, 16 bytes per node over one buffer: threshold at `packedF64[2n]`, feature at
   * `packedI32[4n + 2]`, right child at `packedI32[4n + 3]`. Four nodes share a cache line, and with the
   * preorder layout a left step usually stays in it: deep forests are bound by memory, not arithmetic.
   */
  packedF64: Float64Array;
  packedI32: Int32Array;
}

type NodeArrays = Pick<FittedState, 'roots' | 'feature' | 'threshold' | 'left' | 'right' | 'value'>;

/**
 * Renumbers nodes in depth-first preorder, tree after tree: a left child is then always its parent + 1, so a
 * prediction walking down a deep tree mostly reads neighbouring memory.
 */
function toPreorder(a: NodeArrays, nClasses: number): NodeArrays {
  const count = a.feature.length;
  const order = new Int32Array(count);
  const newId = new Int32Array(count);
  const stack: number[] = [];
  let k = 0;
  const roots = new Int32Array(a.roots.length);
  for (let t = 0; t < a.roots.length; t++) {
    roots[t] = k;
    stack.push(a.roots[t]);
    while (stack.length > 0) {
      const n = stack.pop()!;
      // Only a damaged file can get here: a node shared by two parents.
      if (k === count) throw incompatible('a node is reachable from more than one parent');
      newId[n] = k;
      order[k++] = n;
      if (a.feature[n] >= 0) stack.push(a.right[n], a.left[n]);
    }
  }
  const out: NodeArrays = {
    roots,
    feature: new Int32Array(count),
    threshold: new Float64Array(count),
    left: new Int32Array(count),
    right: new Int32Array(count),
    value: new Float64Array(count * nClasses),
  };
  for (let j = 0; j < count; j++) {
    const old = order[j];
    out.feature[j] = a.feature[old];
    out.threshold[j] = a.threshold[old];
    out.left[j] = a.left[old] >= 0 ? newId[a.left[old]] : -1;
    out.right[j] = a.right[old] >= 0 ? newId[a.right[old]] : -1;
    out.value.set(a.value.subarray(old * nClasses, (old + 1) * nClasses), j * nClasses);
  }
  return out;
}

function pack(a: NodeArrays): { packedF64: Float64Array; packedI32: Int32Array } {
  const buffer = new ArrayBuffer(a.feature.length * 16);
  const packedF64 = new Float64Array(buffer);
  const packedI32 = new Int32Array(buffer);
  for (let n = 0; n < a.feature.length; n++) {
    packedF64[n * 2] = a.threshold[n];
    packedI32[n * 4 + 2] = a.feature[n];
    packedI32[n * 4 + 3] = a.right[n];
  }
  return { packedF64, packedI32 };
}

function invalid(message: string, details?: Record<string, unknown>): ConclaveError {
  return new ConclaveError('VALIDATION_ERROR', message, details);
}

function incompatible(message: string): ConclaveError {
  return new ConclaveError('MODEL_INCOMPATIBLE', `saved forest is unusable: ${message}`);
}

export class RandomForest {
  private readonly opts: Required<ForestOptions>;
  private state: FittedState | null = null;

  /** @throws ConclaveError VALIDATION_ERROR on out-of-range options. */
  constructor(opts: ForestOptions) {
    const full: Required<ForestOptions> = {
      nTrees: opts.nTrees,
      maxDepth: opts.maxDepth,
      seed: opts.seed,
      minSamplesLeaf: opts.minSamplesLeaf ?? 1,
      maxFeatures: opts.maxFeatures ?? 'sqrt',
      bins: opts.bins ?? 0,
    };
    if (!Number.isInteger(full.nTrees) || full.nTrees < 1) throw invalid(`nTrees must be an integer >= 1, got ${full.nTrees}`);
    if (!Number.isInteger(full.maxDepth) || full.maxDepth < 1) throw invalid(`maxDepth must be an integer >= 1, got ${full.maxDepth}`);
    if (!Number.isFinite(full.seed)) throw invalid(`seed must be a finite number, got ${full.seed}`);
    if (!Number.isInteger(full.minSamplesLeaf) || full.minSamplesLeaf < 1) {
      throw invalid(`minSamplesLeaf must be an integer >= 1, got ${full.minSamplesLeaf}`);
    }
    if (full.maxFeatures !== 'sqrt' && (!Number.isInteger(full.maxFeatures) || full.maxFeatures < 1)) {
      throw invalid(`maxFeatures must be 'sqrt' or an integer >= 1, got ${full.maxFeatures}`);
    }
    if (!Number.isInteger(full.bins) || full.bins === 1 || full.bins < 0 || full.bins > MAX_BINS) {
      throw invalid(`bins must be 0 (exact splits) or an integer in 2..${MAX_BINS}, got ${full.bins}`);
    }
    this.opts = full;
  }

  get options(): Readonly<Required<ForestOptions>> {
    return this.opts;
  }

  get nFeatures(): number {
    return this.fitted().nFeatures;
  }

  get nClasses(): number {
    return this.fitted().nClasses;
  }

  get nodeCount(): number {
    return this.fitted().feature.length;
  }

  /**
   * Fits the forest. `X` is row-major (`X[i * cols + f]`) and finite, `y[i]` the class index in `0..nClasses-1`.
   * @throws ConclaveError VALIDATION_ERROR when shapes or labels do not match or a feature is not finite.
   */
  fit(
    X: Float64Array,
    rows: number,
    cols: number,
    y: Uint8Array,
    nClasses: number,
    onProgress?: (treesDone: number, total: number) => void,
  ): void {
    if (!Number.isInteger(rows) || rows < 1) throw invalid(`fit needs at least 1 row, got ${rows}`);
    if (!Number.isInteger(cols) || cols < 1) throw invalid(`fit needs at least 1 column, got ${cols}`);
    if (X.length !== rows * cols) throw invalid(`X has ${X.length} values, expected rows*cols = ${rows * cols}`);
    if (y.length !== rows) throw invalid(`y has ${y.length} labels, expected ${rows}`);
    if (!Number.isInteger(nClasses) || nClasses < 1 || nClasses > 255) throw invalid(`nClasses must be in 1..255, got ${nClasses}`);
    for (let i = 0; i < rows; i++) {
      if (y[i] >= nClasses) throw invalid(`label y[${i}] = ${y[i]} is not below nClasses = ${nClasses}`);
    }
    for (let k = 0; k < X.length; k++) {
      if (!Number.isFinite(X[k]))
        throw invalid(`X[${k}] (row ${Math.floor(k / cols)}, column ${k % cols}) is ${X[k]}, expected a finite number`);
    }

    const maxFeatures = this.opts.maxFeatures === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(cols))) : Math.min(cols, this.opts.maxFeatures);
    const random = mulberry32(this.opts.seed);
    const nodes = new NodeBuffer(nClasses, Math.max(1024, this.opts.nTrees * 64));
    const roots = new Int32Array(this.opts.nTrees);
    const weights = new Int32Array(rows);
    const treeImportance = new Float64Array(cols);
    const importances = new Float64Array(cols);
    const params = {
      maxDepth: this.opts.maxDepth,
      minSamplesLeaf: this.opts.minSamplesLeaf,
      maxFeatures,
      random,
      importance: treeImportance,
    };
    const grow = this.treeGrower(X, rows, cols, y, nClasses);

    for (let t = 0; t < this.opts.nTrees; t++) {
      weights.fill(0);
      for (let k = 0; k < rows; k++) weights[Math.floor(random() * rows)]++;
      treeImportance.fill(0);
      roots[t] = nodes.count;
      grow(params, weights, nodes);
      let sum = 0;
      for (let f = 0; f < cols; f++) sum += treeImportance[f];
      if (sum > 0) for (let f = 0; f < cols; f++) importances[f] += treeImportance[f] / sum;
      onProgress?.(t + 1, this.opts.nTrees);
    }

    let impSum = 0;
    for (let f = 0; f < cols; f++) impSum += importances[f];
    if (impSum > 0) for (let f = 0; f < cols; f++) importances[f] /= impSum;

    const count = nodes.count;
    const value = nodes.value.slice(0, count * nClasses);
    for (let n = 0; n < count; n++) {
      let total = 0;
      for (let c = 0; c < nClasses; c++) total += value[n * nClasses + c];
      for (let c = 0; c < nClasses; c++) value[n * nClasses + c] /= total;
    }
    const arrays = toPreorder(
      {
        roots,
        feature: nodes.feature.subarray(0, count),
        threshold: nodes.threshold.subarray(0, count),
        left: nodes.left.subarray(0, count),
        right: nodes.right.subarray(0, count),
        value,
      },
      nClasses,
    );
    this.state = { nFeatures: cols, nClasses, ...arrays, importances, ...pack(arrays) };
  }

  /** The tree builder of this forest's mode, with its per-fit data and buffers prepared once for all trees. */
  private treeGrower(
    X: Float64Array,
    rows: number,
    cols: number,
    y: Uint8Array,
    nClasses: number,
  ): (params: GrowParams, weights: Int32Array, nodes: NodeBuffer) => void {
    if (this.opts.bins > 0) {
      const { codes, thresholds } = binMatrix(X, rows, cols, this.opts.bins);
      const data = { codes, thresholds, y, rows, cols, nClasses };
      const buffers = new HistBuffers(rows, cols, nClasses);
      return (params, weights, nodes) => growTreeHist(data, params, weights, buffers, nodes);
    }
    const data = { ...exactSplitValues(X, rows, cols), y, rows, cols, nClasses };
    const buffers = new GrowBuffers(rows, cols);
    return (params, weights, nodes) => growTree(data, params, weights, buffers, nodes);
  }

  /**
   * Class probabilities of one row: the mean of the trees' leaf distributions (sums to 1).
   * @param out optional buffer of length nClasses to avoid an allocation per call.
   */
  predictProba(row: ArrayLike<number>, out?: Float64Array): Float64Array {
    const s = this.fitted();
    const C = s.nClasses;
    const result = out ?? new Float64Array(C);
    result.fill(0);
    const { roots, packedF64, packedI32, value } = s;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t];
      let f = packedI32[node * 4 + 2];
      while (f >= 0) {
        // Preorder layout: the left child is the next node.
        node = row[f] <= packedF64[node * 2] ? node + 1 : packedI32[node * 4 + 3];
        f = packedI32[node * 4 + 2];
      }
      const base = node * C;
      for (let c = 0; c < C; c++) result[c] += value[base + c];
    }
    const inv = 1 / roots.length;
    for (let c = 0; c < C; c++) result[c] *= inv;
    return result;
  }

  /** Probabilities of many rows; `X` row-major with nFeatures columns. Returns `rows * nClasses` values. */
  predictProbaBatch(X: Float64Array, rows: number): Float64Array {
    const s = this.fitted();
    const cols = s.nFeatures;
    if (X.length < rows * cols) throw invalid(`X has ${X.length} values, expected at least ${rows * cols}`);
    const out = new Float64Array(rows * s.nClasses);
    for (let i = 0; i < rows; i++) {
      this.predictProba(X.subarray(i * cols, (i + 1) * cols), out.subarray(i * s.nClasses, (i + 1) * s.nClasses));
    }
    return out;
  }

  /** Most probable class of each row (ties go to the lower class index). */
  predictBatch(X: Float64Array, rows: number): Uint8Array {
    const C = this.fitted().nClasses;
    const proba = this.predictProbaBatch(X, rows);
    const out = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (proba[i * C + c] > proba[i * C + best]) best = c;
      out[i] = best;
    }
    return out;
  }

  /**
   * The forest's prior: mean class distribution at the roots (of the bootstrap samples). Saabas attribution
   * decomposes `P(cls | row) = prior[cls] + sum(explain(row, cls))`.
   */
  prior(): Float64Array {
    const s = this.fitted();
    const out = new Float64Array(s.nClasses);
    for (let t = 0; t < s.roots.length; t++) {
      for (let c = 0; c < s.nClasses; c++) out[c] += s.value[s.roots[t] * s.nClasses + c];
    }
    for (let c = 0; c < s.nClasses; c++) out[c] /= s.roots.length;
    return out;
  }

  /**
   * Per-feature contribution to P(cls) for one row (Saabas path attribution): along each tree's decision
   * path, the change of P(cls) at every split is credited to the split's feature; averaged over trees.
   * The contributions sum to `predictProba(row)[cls] - prior()[cls]`.
   */
  explain(row: ArrayLike<number>, cls: number): Float64Array {
    const s = this.fitted();
    if (!Number.isInteger(cls) || cls < 0 || cls >= s.nClasses) throw invalid(`class ${cls} is not in 0..${s.nClasses - 1}`);
    const C = s.nClasses;
    const out = new Float64Array(s.nFeatures);
    const { roots, feature, threshold, left, right, value } = s;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t];
      let f = feature[node];
      while (f >= 0) {
        const next = row[f] <= threshold[node] ? left[node] : right[node];
        out[f] += value[next * C + cls] - value[node * C + cls];
        node = next;
        f = feature[node];
      }
    }
    const inv = 1 / roots.length;
    for (let f = 0; f < out.length; f++) out[f] *= inv;
    return out;
  }

  /** Mean decrease in Gini impurity per feature, normalised per tree and overall to sum to 1. */
  featureImportances(): Float64Array {
    return this.fitted().importances.slice();
  }

  toJSON(): ForestJson {
    const s = this.fitted();
    return {
      format: FOREST_FORMAT,
      formatVersion: FOREST_FORMAT_VERSION,
      options: { ...this.opts },
      nFeatures: s.nFeatures,
      nClasses: s.nClasses,
      roots: Array.from(s.roots),
      importances: Array.from(s.importances),
      nodes: {
        count: s.feature.length,
        feature: encodeInt32(s.feature),
        threshold: encodeFloat64(s.threshold),
        left: encodeInt32(s.left),
        right: encodeInt32(s.right),
        value: encodeFloat64(s.value),
      },
    };
  }

  /**
   * Rebuilds a fitted forest and checks that its node graph is well formed (every child index in range,
   * every split feature a real column), so a damaged file fails here and not inside a predict loop.
   * @throws ConclaveError MODEL_INCOMPATIBLE on a wrong format, version or damaged node arrays.
   */
  static fromJSON(json: ForestJson): RandomForest {
    if (json === null || typeof json !== 'object') throw incompatible(`expected an object, got ${typeof json}`);
    if (json.format !== FOREST_FORMAT) throw incompatible(`format is ${JSON.stringify(json.format)}, expected "${FOREST_FORMAT}"`);
    if (json.formatVersion !== FOREST_FORMAT_VERSION) {
      throw incompatible(`format version is ${json.formatVersion}, this build reads version ${FOREST_FORMAT_VERSION}`);
    }
    const { nFeatures, nClasses, nodes } = json;
    if (!Number.isInteger(nFeatures) || nFeatures < 1) throw incompatible(`nFeatures ${nFeatures} is not a positive integer`);
    if (!Number.isInteger(nClasses) || nClasses < 1) throw incompatible(`nClasses ${nClasses} is not a positive integer`);
    if (!nodes || !Number.isInteger(nodes.count) || nodes.count < 1) throw incompatible('node arrays are missing');
    if (!Array.isArray(json.roots) || json.roots.length < 1) throw incompatible('tree roots are missing');
    if (!Array.isArray(json.importances) || json.importances.length !== nFeatures) throw incompatible('importances do not match nFeatures');
    let forest: RandomForest;
    try {
      forest = new RandomForest(json.options);
    } catch (error) {
      throw incompatible(`options are invalid (${(error as Error).message})`);
    }
    const count = nodes.count;
    const feature = decodeInt32(nodes.feature, count);
    const threshold = decodeFloat64(nodes.threshold, count);
    const left = decodeInt32(nodes.left, count);
    const right = decodeInt32(nodes.right, count);
    const value = decodeFloat64(nodes.value, count * nClasses);
    if (!feature || !threshold || !left || !right || !value) throw incompatible(`node arrays do not hold ${count} nodes`);
    for (let n = 0; n < count; n++) {
      const f = feature[n];
      if (f >= nFeatures || f < -1) throw incompatible(`node ${n} splits on feature ${f}, forest has ${nFeatures}`);
      // Children always come after their parent, which also rules out cycles.
      if (f >= 0 && !(left[n] > n && left[n] < count && right[n] > n && right[n] < count)) {
        throw incompatible(`node ${n} has children out of range`);
      }
    }
    const roots = Int32Array.from(json.roots);
    for (const r of roots) if (!Number.isInteger(r) || r < 0 || r >= count) throw incompatible(`root ${r} out of range`);
    const arrays = toPreorder({ roots, feature, threshold, left, right, value }, nClasses);
    forest.state = { nFeatures, nClasses, ...arrays, importances: Float64Array.from(json.importances), ...pack(arrays) };
    return forest;
  }

  private fitted(): FittedState {
    if (!this.state) throw new ConclaveError('VALIDATION_ERROR', 'the forest is not fitted: call fit() or fromJSON() first');
    return this.state;
  }
}

/**
 * Exact mode's per-fit data: column-major raw values with one argsort per feature, split at midpoints, so
 * prediction on raw features reproduces the training partition.
 */
function exactSplitValues(
  X: Float64Array,
  rows: number,
  cols: number,
): { values: Float64Array; order: Int32Array; thresholdBetween: (f: number, below: number, above: number) => number } {
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let f = 0; f < cols; f++) values[f * rows + i] = X[i * cols + f];
  const order = new Int32Array(rows * cols);
  const idx = new Int32Array(rows);
  for (let f = 0; f < cols; f++) {
    for (let i = 0; i < rows; i++) idx[i] = i;
    const col = values.subarray(f * rows, (f + 1) * rows);
    idx.sort((a, b) => col[a] - col[b] || a - b);
    order.set(idx, f * rows);
  }
  return { values, order, thresholdBetween: (_f, below, above) => separatingMidpoint(below, above) };
}
