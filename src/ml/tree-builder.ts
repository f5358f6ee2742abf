/**
 * Grows one CART classification tree (Gini). Internal module of the random forest.
 *
 * Presorted-index method: each node owns the range [start, end) of `cols` index lists, list f holding the
 * node's samples sorted by feature f. Evaluating a feature is one linear scan of its list (no sorting and no
 * histogram to clear, so small nodes are as cheap as their size); a split stably partitions every list, which
 * keeps both children sorted. The lists are built per tree by filtering one global argsort per feature with the
 * bootstrap weights, so no tree ever sorts. Bootstrap draws are sample weights (how often a row was drawn),
 * as in scikit-learn, so class counts are weighted counts.
 */

/** Growable flat node storage; `value` holds weighted class counts (normalised by the forest). */
export class NodeBuffer {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  count = 0;

  constructor(
    readonly nClasses: number,
    capacity = 1024,
  ) {
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity * nClasses);
  }

  /** Appends a leaf with the given class counts and returns its index. */
  push(counts: Float64Array): number {
    if (this.count === this.feature.length) this.grow();
    const id = this.count++;
    this.feature[id] = -1;
    this.threshold[id] = 0;
    this.left[id] = -1;
    this.right[id] = -1;
    this.value.set(counts, id * this.nClasses);
    return id;
  }

  private grow(): void {
    const cap = this.feature.length * 2;
    const feature = new Int32Array(cap);
    const threshold = new Float64Array(cap);
    const left = new Int32Array(cap);
    const right = new Int32Array(cap);
    const value = new Float64Array(cap * this.nClasses);
    feature.set(this.feature);
    threshold.set(this.threshold);
    left.set(this.left);
    right.set(this.right);
    value.set(this.value);
    this.feature = feature;
    this.threshold = threshold;
    this.left = left;
    this.right = right;
    this.value = value;
  }
}

/** Per-fit data shared by every tree. */
export interface GrowData {
  /** Split values, column-major (`values[f * rows + i]`): raw features, or bin codes when binned. */
  readonly values: Float64Array;
  /** Row indices sorted by each feature's value, column-major like `values`. */
  readonly order: Int32Array;
  /**
   * Threshold stored for a split between adjacent distinct split values `below < above` of feature f;
   * every value <= below must satisfy `x <= threshold` at prediction and every value >= above must not.
   */
  readonly thresholdBetween: (f: number, below: number, above: number) => number;
  readonly y: Uint8Array;
  readonly rows: number;
  readonly cols: number;
  readonly nClasses: number;
}

export interface GrowParams {
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly maxFeatures: number;
  readonly random: () => number;
  /** Accumulates weighted Gini decrease per feature for this tree. */
  readonly importance: Float64Array;
}

/** Work buffers sized for one fit, reused by every tree. */
export class GrowBuffers {
  readonly lists: Int32Array;
  readonly tmp: Int32Array;
  readonly goLeft: Uint8Array;
  constructor(rows: number, cols: number) {
    this.lists = new Int32Array(rows * cols);
    this.tmp = new Int32Array(rows);
    this.goLeft = new Uint8Array(rows);
  }
}

export function growTree(data: GrowData, params: GrowParams, weights: Int32Array, buffers: GrowBuffers, nodes: NodeBuffer): void {
  const { values, order, y, rows, cols, nClasses: C, thresholdBetween } = data;
  const { maxDepth, minSamplesLeaf, maxFeatures, random, importance } = params;
  const { lists, tmp, goLeft } = buffers;

  // Per-feature sorted lists of the drawn rows; list f occupies lists[f * m, (f + 1) * m).
  let m = 0;
  for (let i = 0; i < rows; i++) if (weights[i] > 0) m++;
  for (let f = 0; f < cols; f++) {
    let k = f * m;
    const base = f * rows;
    for (let r = 0; r < rows; r++) {
      const i = order[base + r];
      if (weights[i] > 0) lists[k++] = i;
    }
  }
  const counts = new Float64Array(C);
  for (let k = 0; k < m; k++) counts[y[lists[k]]] += weights[lists[k]];

  const perm = new Int32Array(cols);
  for (let f = 0; f < cols; f++) perm[f] = f;
  const scratch = new ScanScratch(C);
  const bestLeft = new Float64Array(C);
  const nodeCounts = new Float64Array(C);
  const childCounts = new Float64Array(C);

  // Explicit DFS stack of (node, start, end, depth).
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

    // Gini proxy: maximise sum_c L_c^2 / L + sum_c R_c^2 / R (equivalent to minimising weighted child Gini).
    let bestProxy = Number.NEGATIVE_INFINITY;
    let bestFeature = -1;
    let bestPos = -1;
    let bestThreshold = 0;

    let visited = 0;
    for (let j = 0; j < cols && visited < maxFeatures; j++) {
      const r = j + Math.floor(random() * (cols - j));
      const f = perm[r];
      perm[r] = perm[j];
      perm[j] = f;
      const listBase = f * m;
      const vBase = f * rows;
      // As in scikit-learn, a feature constant in this node does not count towards max_features.
      if (values[vBase + lists[listBase + start]] === values[vBase + lists[listBase + end - 1]]) continue;
      visited++;

      const featurePos = scanFeature(
        values,
        vBase,
        lists,
        listBase,
        start,
        end,
        weights,
        y,
        nodeCounts,
        sumSq,
        total,
        minSamplesLeaf,
        scratch,
      );
      const featureBest = scratch.proxy;
      if (featurePos >= 0 && featureBest > bestProxy) {
        bestProxy = featureBest;
        bestFeature = f;
        bestPos = featurePos;
        bestLeft.set(scratch.left);
        const below = values[vBase + lists[listBase + featurePos]];
        const above = values[vBase + lists[listBase + featurePos + 1]];
        bestThreshold = thresholdBetween(f, below, above);
      }
    }
    if (bestFeature < 0) continue;

    // Left = the best feature's sorted prefix [start, bestPos]; stably partition every other list.
    const mid = bestPos + 1;
    const bestBase = bestFeature * m;
    for (let k = start; k < mid; k++) goLeft[lists[bestBase + k]] = 1;
    for (let k = mid; k < end; k++) goLeft[lists[bestBase + k]] = 0;
    for (let f = 0; f < cols; f++) if (f !== bestFeature) partitionList(lists, tmp, goLeft, f * m + start, f * m + end);

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
    // Weighted Gini decrease: total*G(parent) - L*G(left) - R*G(right), with G = 1 - sum p^2.
    importance[bestFeature] += total - sumSq / total - (leftW - leftSq / leftW) - (rightW - rightSq / rightW);

    const leftId = nodes.push(bestLeft);
    for (let c = 0; c < C; c++) childCounts[c] = nodeCounts[c] - bestLeft[c];
    const rightId = nodes.push(childCounts);
    nodes.feature[node] = bestFeature;
    nodes.threshold[node] = bestThreshold;
    nodes.left[node] = leftId;
    nodes.right[node] = rightId;

    if (sp + 8 > stack.length) {
      const bigger = new Int32Array(stack.length * 2);
      bigger.set(stack);
      stack = bigger;
    }
    // Right pushed first so the left subtree is grown first (depth-first, left to right).
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

/** Outputs and work arrays of scanFeature, allocated once per tree. */
class ScanScratch {
  /** Best Gini proxy found by the last scan (-Infinity when no valid split). */
  proxy = Number.NEGATIVE_INFINITY;
  readonly left: Float64Array;
  readonly leftAcc: Float64Array;
  readonly rightAcc: Float64Array;
  constructor(nClasses: number) {
    this.left = new Float64Array(nClasses);
    this.leftAcc = new Float64Array(nClasses);
    this.rightAcc = new Float64Array(nClasses);
  }
}

/**
 * Scans one feature's sorted list of a node for the best Gini split. Kept small and separate from growTree
 * so V8 optimises it after a few calls (a hot loop inside one big function is compiled on-stack and
 * thrown away at the next call, which made the first fit of a process several times slower).
 * @returns the list position of the last left sample, or -1 when no split satisfies minSamplesLeaf.
 */
function scanFeature(
  values: Float64Array,
  vBase: number,
  lists: Int32Array,
  listBase: number,
  start: number,
  end: number,
  weights: Int32Array,
  y: Uint8Array,
  nodeCounts: Float64Array,
  sumSq: number,
  total: number,
  minSamplesLeaf: number,
  out: ScanScratch,
): number {
  const { leftAcc, rightAcc } = out;
  leftAcc.fill(0);
  rightAcc.set(nodeCounts);
  let leftW = 0;
  let l2 = 0;
  let r2 = sumSq;
  let best = Number.NEGATIVE_INFINITY;
  let pos = -1;
  let next = values[vBase + lists[listBase + start]];
  for (let k = start; k < end - 1; k++) {
    const i = lists[listBase + k];
    const w = weights[i];
    const c = y[i];
    // Moving weight w of class c from right to left updates both sums of squares in O(1).
    l2 += w * (2 * leftAcc[c] + w);
    r2 += w * (w - 2 * rightAcc[c]);
    leftAcc[c] += w;
    rightAcc[c] -= w;
    leftW += w;
    const current = next;
    next = values[vBase + lists[listBase + k + 1]];
    if (next === current) continue;
    const rightW = total - leftW;
    if (leftW < minSamplesLeaf || rightW < minSamplesLeaf) continue;
    const proxy = l2 / leftW + r2 / rightW;
    if (proxy > best) {
      best = proxy;
      pos = k;
      out.left.set(leftAcc);
    }
  }
  out.proxy = best;
  return pos;
}

/** Stable partition of lists[from, to): samples marked in goLeft first, the rest after, order kept. */
function partitionList(lists: Int32Array, tmp: Int32Array, goLeft: Uint8Array, from: number, to: number): void {
  let l = from;
  let t = 0;
  // Branch-free: which side a sample goes is a coin flip to the CPU's branch predictor.
  for (let k = from; k < to; k++) {
    const i = lists[k];
    const g = goLeft[i];
    lists[l] = i;
    tmp[t] = i;
    l += g;
    t += 1 - g;
  }
  for (let k = 0; k < t; k++) lists[l + k] = tmp[k];
}
