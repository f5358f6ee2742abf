/**
 * Grows one CART classification tree (Gini) on quantile-binned features: the forest's binned mode. Internal
 * module of the random forest; it grows exactly the tree the presorted builder (tree-builder.ts) grows on the
 * same bin codes, at a fraction of the cost.
 *
 * Why it is faster: a node keeps one list of its samples instead of one sorted list per feature, so a split
 * partitions one list (not `cols`), and evaluating a feature is a histogram of (bin, class) weights over the
 * node's samples followed by a scan of at most 256 bins. Each tree first copies the drawn rows' codes into a
 * compact column-major block with the class folded in (`code * nClasses + y`), so the histogram loop reads
 * small, mostly cached arrays. Nothing is allocated per node.
 *
 * Weights are integers (bootstrap draw counts), so every class sum, and hence every Gini proxy, is an exact
 * integer computation whatever the order samples are added in: the in-place, unstable partition cannot change
 * the tree.
 */
import type { GrowParams, NodeBuffer } from './tree-builder.js';

/** Per-fit data shared by every tree. */
export interface HistData {
  /** Bin codes, column-major (`codes[f * rows + i]`). */
  readonly codes: Uint8Array;
  /** Per feature, the raw value of each bin edge: `x <= thresholds[f][b]` holds exactly when `code(x) <= b`. */
  readonly thresholds: readonly Float64Array[];
  readonly y: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly nClasses: number;
}

/** Largest bin count times class count a cell index may reach (uint16 cells). */
const MAX_CELLS = 65536;

/** Work buffers sized for one fit, reused by every tree. */
export class HistBuffers {
  /** Compact id -> bootstrap draw count, for the drawn rows only. */
  readonly weight: Int32Array;
  /** Per feature, `code * nClasses + class` of each drawn row, column-major over compact ids. */
  readonly cell: Uint16Array;
  /** Compact ids, each node owning the range [start, end). */
  readonly samples: Int32Array;
  /** Weighted (bin, class) counts of one node and feature; all zero between uses. */
  readonly hist: Int32Array;
  /** A small node's cells of one feature, sorted, so its occupied bins are found without scanning 256. */
  readonly sorted: Uint16Array;
  constructor(rows: number, cols: number, nClasses: number) {
    if (256 * nClasses > MAX_CELLS) throw new RangeError(`binned mode supports at most ${MAX_CELLS / 256} classes`);
    this.weight = new Int32Array(rows);
    this.cell = new Uint16Array(rows * cols);
    this.samples = new Int32Array(rows);
    this.hist = new Int32Array(256 * nClasses);
    this.sorted = new Uint16Array(rows);
  }
}

export function growTreeHist(data: HistData, params: GrowParams, weights: Int32Array, buffers: HistBuffers, nodes: NodeBuffer): void {
  const { codes, thresholds, y, rows, cols, nClasses: C } = data;
  const { maxDepth, minSamplesLeaf, maxFeatures, random, importance } = params;
  const { weight, cell, samples, hist, sorted } = buffers;

  // Compact the drawn rows: ids 0..m-1 in row order.
  let m = 0;
  for (let i = 0; i < rows; i++) {
    if (weights[i] > 0) {
      weight[m] = weights[i];
      samples[m] = i;
      m++;
    }
  }
  for (let f = 0; f < cols; f++) {
    const base = f * rows;
    const cb = f * m;
    for (let s = 0; s < m; s++) {
      const i = samples[s];
      cell[cb + s] = codes[base + i] * C + y[i];
    }
  }
  const counts = new Float64Array(C);
  for (let s = 0; s < m; s++) counts[y[samples[s]]] += weight[s];
  for (let s = 0; s < m; s++) samples[s] = s;

  const perm = new Int32Array(cols);
  for (let f = 0; f < cols; f++) perm[f] = f;
  const scratch = new HistScratch(C);
  const bestLeft = new Float64Array(C);
  const nodeCounts = new Float64Array(C);
  const childCounts = new Float64Array(C);

  // Explicit DFS stack of (node, start, end, depth), in the presorted builder's order so node ids match.
  let stack = new Int32Array(256);
  stack[0] = nodes.push(counts);
  stack[1] = 0;
  stack[2] = m;
  stack[3] = 0;
  let sp = 4;

  while (sp > 0) {
    sp -= 4;
    const node = stack[sp];
    const start = stack[sp + 1];
    const end = stack[sp + 2];
    const depth = stack[sp + 3];

    let total = 0;
    let classesPresent = 0;
    let sumSq = 0;
    for (let c = 0; c < C; c++) {
      const v = nodes.value[node * C + c];
      nodeCounts[c] = v;
      total += v;
      sumSq += v * v;
      if (v > 0) classesPresent++;
    }
    if (depth >= maxDepth || classesPresent <= 1 || total < 2 * minSamplesLeaf || end - start < 2) continue;

    let bestProxy = Number.NEGATIVE_INFINITY;
    let bestFeature = -1;
    let bestBelow = -1;
    let bestAbove = -1;

    let visited = 0;
    for (let j = 0; j < cols && visited < maxFeatures; j++) {
      const r = j + Math.floor(random() * (cols - j));
      const f = perm[r];
      perm[r] = perm[j];
      perm[j] = f;
      const range = fillHistogram(cell, f * m, samples, start, end, weight, hist);
      const lo = ((range & 0xffff) / C) | 0;
      const hi = ((range >>> 16) / C) | 0;
      // As in scikit-learn, a feature constant in this node does not count towards max_features.
      if (lo === hi) {
        hist.fill(0, lo * C, (hi + 1) * C);
        continue;
      }
      visited++;
      const n = end - start;
      if (2 * n < hi - lo) {
        // Few samples over a wide range of bins (deep nodes): visit only the occupied bins, in order.
        sortCells(cell, f * m, samples, start, end, sorted);
        scanSparse(hist, sorted, n, C, nodeCounts, total, minSamplesLeaf, scratch);
        for (let k = 0; k < n; k++) hist[sorted[k]] = 0;
      } else {
        scanHistogram(hist, lo, hi, C, nodeCounts, total, minSamplesLeaf, scratch);
        hist.fill(0, lo * C, (hi + 1) * C);
      }
      if (scratch.below >= 0 && scratch.proxy > bestProxy) {
        bestProxy = scratch.proxy;
        bestFeature = f;
        bestBelow = scratch.below;
        bestAbove = scratch.above;
        bestLeft.set(scratch.left);
      }
    }
    if (bestFeature < 0) continue;

    const mid = partitionSamples(samples, cell, bestFeature * m, (bestBelow + 1) * C, start, end);

    let leftW = 0;
    let leftSq = 0;
    let rightSq = 0;
    for (let c = 0; c < C; c++) {
      leftW += bestLeft[c];
      leftSq += bestLeft[c] * bestLeft[c];
      const rc = nodeCounts[c] - bestLeft[c];
      rightSq += rc * rc;
    }
    const rightW = total - leftW;
    importance[bestFeature] += total - sumSq / total - (leftW - leftSq / leftW) - (rightW - rightSq / rightW);

    const leftId = nodes.push(bestLeft);
    for (let c = 0; c < C; c++) childCounts[c] = nodeCounts[c] - bestLeft[c];
    const rightId = nodes.push(childCounts);
    nodes.feature[node] = bestFeature;
    // Between occupied codes a < b any edge in [a, b - 1] separates the node; the middle one generalises best.
    nodes.threshold[node] = thresholds[bestFeature][(bestBelow + bestAbove - 1) >> 1];
    nodes.left[node] = leftId;
    nodes.right[node] = rightId;

    if (sp + 8 > stack.length) {
      const bigger = new Int32Array(stack.length * 2);
      bigger.set(stack);
      stack = bigger;
    }
    stack[sp] = rightId;
    stack[sp + 1] = mid;
    stack[sp + 2] = end;
    stack[sp + 3] = depth + 1;
    stack[sp + 4] = leftId;
    stack[sp + 5] = start;
    stack[sp + 6] = mid;
    stack[sp + 7] = depth + 1;
    sp += 8;
  }
}

/** Outputs of scanHistogram, allocated once per tree. */
class HistScratch {
  proxy = Number.NEGATIVE_INFINITY;
  /** Last occupied bin of the best split's left side, and the first of its right side (-1: no valid split). */
  below = -1;
  above = -1;
  readonly left: Float64Array;
  readonly acc: Float64Array;
  constructor(nClasses: number) {
    this.left = new Float64Array(nClasses);
    this.acc = new Float64Array(nClasses);
  }
}

/**
 * Adds the node's samples to `hist` at their cells of one feature. Small and separate so V8 optimises it as a
 * function rather than on-stack inside growTree.
 * @returns the lowest cell in the low 16 bits and the highest in the high 16.
 */
function fillHistogram(
  cell: Uint16Array,
  cb: number,
  samples: Int32Array,
  start: number,
  end: number,
  weight: Int32Array,
  hist: Int32Array,
): number {
  let lo = MAX_CELLS - 1;
  let hi = 0;
  for (let k = start; k < end; k++) {
    const s = samples[k];
    const v = cell[cb + s];
    hist[v] += weight[s];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return (lo | (hi << 16)) >>> 0;
}

/**
 * Best Gini split of one feature's histogram over bins [lo, hi]: candidates lie between adjacent occupied
 * bins, scanned left to right with the first strict maximum kept, the presorted builder's order. The proxy
 * `sum_c L_c^2 / L + sum_c R_c^2 / R` is maximised (equivalent to minimising the weighted child Gini).
 */
function scanHistogram(
  hist: Int32Array,
  lo: number,
  hi: number,
  C: number,
  nodeCounts: Float64Array,
  total: number,
  minSamplesLeaf: number,
  out: HistScratch,
): void {
  const acc = out.acc;
  acc.fill(0);
  let leftW = 0;
  let best = Number.NEGATIVE_INFINITY;
  let prev = -1;
  out.below = -1;
  out.above = -1;
  for (let b = lo; b <= hi; b++) {
    const base = b * C;
    let bw = 0;
    for (let c = 0; c < C; c++) bw += hist[base + c];
    if (bw === 0) continue;
    if (prev >= 0) {
      const rightW = total - leftW;
      if (leftW >= minSamplesLeaf && rightW >= minSamplesLeaf) {
        let l2 = 0;
        let r2 = 0;
        for (let c = 0; c < C; c++) {
          const l = acc[c];
          const r = nodeCounts[c] - l;
          l2 += l * l;
          r2 += r * r;
        }
        const proxy = l2 / leftW + r2 / rightW;
        if (proxy > best) {
          best = proxy;
          out.below = prev;
          out.above = b;
          out.left.set(acc);
        }
      }
    }
    for (let c = 0; c < C; c++) acc[c] += hist[base + c];
    leftW += bw;
    prev = b;
  }
  out.proxy = best;
}

/** The node's cells of one feature into sorted[0, n), ascending (insertion sort: n is small here). */
function sortCells(cell: Uint16Array, cb: number, samples: Int32Array, start: number, end: number, sorted: Uint16Array): void {
  const n = end - start;
  for (let k = 0; k < n; k++) {
    const v = cell[cb + samples[start + k]];
    let j = k - 1;
    while (j >= 0 && sorted[j] > v) {
      sorted[j + 1] = sorted[j];
      j--;
    }
    sorted[j + 1] = v;
  }
}

/** scanHistogram over the occupied bins listed (as sorted cells, duplicates allowed) in sorted[0, n). */
function scanSparse(
  hist: Int32Array,
  sorted: Uint16Array,
  n: number,
  C: number,
  nodeCounts: Float64Array,
  total: number,
  minSamplesLeaf: number,
  out: HistScratch,
): void {
  const acc = out.acc;
  acc.fill(0);
  let leftW = 0;
  let best = Number.NEGATIVE_INFINITY;
  let prev = -1;
  out.below = -1;
  out.above = -1;
  for (let k = 0; k < n; k++) {
    const b = (sorted[k] / C) | 0;
    if (b === prev) continue;
    const base = b * C;
    if (prev >= 0) {
      const rightW = total - leftW;
      if (leftW >= minSamplesLeaf && rightW >= minSamplesLeaf) {
        let l2 = 0;
        let r2 = 0;
        for (let c = 0; c < C; c++) {
          const l = acc[c];
          const r = nodeCounts[c] - l;
          l2 += l * l;
          r2 += r * r;
        }
        const proxy = l2 / leftW + r2 / rightW;
        if (proxy > best) {
          best = proxy;
          out.below = prev;
          out.above = b;
          out.left.set(acc);
        }
      }
    }
    for (let c = 0; c < C; c++) {
      acc[c] += hist[base + c];
      leftW += hist[base + c];
    }
    prev = b;
  }
  out.proxy = best;
}

/** In-place partition of samples[start, end): cells below `limit` first. @returns the first right position. */
function partitionSamples(samples: Int32Array, cell: Uint16Array, cb: number, limit: number, start: number, end: number): number {
  let i = start;
  let j = end - 1;
  while (i <= j) {
    const s = samples[i];
    if (cell[cb + s] < limit) {
      i++;
    } else {
      samples[i] = samples[j];
      samples[j] = s;
      j--;
    }
  }
  return i;
}
