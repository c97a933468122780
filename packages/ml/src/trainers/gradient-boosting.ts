import { mulberry32, sampleIndices } from '../random';
import {
  checkFeatureMatrix,
  checkPositiveInteger,
  checkRange,
  checkTrainingData,
  logLossFromMargin,
  sigmoid,
  type BinaryClassifier,
  type BinaryLabels,
  type FeatureMatrix,
  type ProgressCallback,
} from './trainer-types';

/**
 * Gradient-boosted regression trees for binary classification with log loss (Newton boosting as
 * in XGBoost): each tree fits the gradient/hessian of the loss at the current margin; leaf value
 * −G/(H+l2), scaled by the learning rate. P(y=1) = σ(baseScore + Σ tree outputs).
 *
 * Splits are searched on histograms: each feature is cut into at most `maxBins` bins from the
 * training data (every distinct value its own bin when there are few). A split sends x ≤ threshold
 * left, with the threshold strictly between the two neighbouring training values, so predicting
 * from raw values matches training exactly.
 */

export interface GradientBoostingParams {
  /** Number of boosting rounds (trees). */
  rounds: number;
  /** Depth of each tree (1 = stumps). */
  maxDepth: number;
  /** Shrinkage applied to every leaf value. */
  learningRate: number;
  /** Fewest training rows (of the round's subsample) in a leaf. */
  minSamplesLeaf: number;
  /** Fraction of rows drawn without replacement for each tree (1 = all rows). */
  subsample: number;
  /** Seed of the row subsampling. */
  seed: number;
  /** L2 penalty on leaf values (XGBoost's lambda). */
  l2: number;
  /** Most bins per feature for the split search. */
  maxBins: number;
  /** A split must lower the (penalised) loss by more than this. */
  minGain: number;
}

export const DEFAULT_GRADIENT_BOOSTING_PARAMS: Readonly<GradientBoostingParams> = Object.freeze({
  rounds: 100,
  maxDepth: 3,
  learningRate: 0.1,
  minSamplesLeaf: 20,
  subsample: 1,
  seed: 42,
  l2: 1,
  maxBins: 64,
  minGain: 0,
});

/**
 * One tree as parallel arrays in depth-first (pre-order) node order; node 0 is the root. A node
 * with feature −1 is a leaf whose `value` (already multiplied by the learning rate) is added to the
 * margin; otherwise rows with x[feature] ≤ threshold go to `left`, the others to `right`.
 */
export interface RegressionTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GradientBoostingState {
  trainer: 'gradient-boosting';
  params: GradientBoostingParams;
  featureCount: number;
  /** Log-odds of the training positive rate: the margin before any tree. */
  baseScore: number;
  trees: RegressionTree[];
  /** Total loss reduction of the splits on each feature. */
  gainByFeature: number[];
}

interface HistogramBuffers {
  gSum: Float64Array;
  hSum: Float64Array;
  count: Int32Array;
}

interface FeatureBins {
  /** thresholds[b] separates bin b from bin b+1. */
  thresholds: number[];
  /** Bin of every training row. */
  bins: Uint16Array;
}

/** A cut strictly between a and b (a < b), as close to the middle as doubles allow. */
function cutBetween(a: number, b: number): number {
  const mid = a + (b - a) / 2;
  return mid >= a && mid < b ? mid : a;
}

function binFeature(values: Float64Array, maxBins: number): FeatureBins {
  const sorted = Float64Array.from(values).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const thresholds: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 1; k < distinct.length; k++) thresholds.push(cutBetween(distinct[k - 1], distinct[k]));
  } else {
    // Equal-frequency bins; a heavy value (e.g. many dry days at 0 mm) keeps a bin of its own.
    // The target size is recomputed after every cut from what is left, so a heavy value does not
    // use up the bins meant for the rest of the range.
    let filled = 0;
    let atLastCut = 0;
    for (let k = 0; k < distinct.length - 1 && thresholds.length < maxBins - 1; k++) {
      filled += counts[k];
      if (filled - atLastCut >= (values.length - atLastCut) / (maxBins - thresholds.length)) {
        thresholds.push(cutBetween(distinct[k], distinct[k + 1]));
        atLastCut = filled;
      }
    }
  }
  const bins = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    // First bin whose upper cut is ≥ x, i.e. x ≤ thresholds[b] ⇔ bins[i] ≤ b.
    let lo = 0;
    let hi = thresholds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[i] <= thresholds[mid]) hi = mid;
      else lo = mid + 1;
    }
    bins[i] = lo;
  }
  return { thresholds, bins };
}

function treeOutput(tree: RegressionTree, row: readonly number[]): number {
  let node = 0;
  while (tree.feature[node] >= 0) node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  return tree.value[node];
}

export class GradientBoostingClassifier implements BinaryClassifier<GradientBoostingParams> {
  readonly trainer = 'gradient-boosting' as const;
  private state: GradientBoostingState | undefined;

  static fromState(state: GradientBoostingState): GradientBoostingClassifier {
    const model = new GradientBoostingClassifier();
    model.state = structuredClone(state);
    return model;
  }

  toState(): GradientBoostingState {
    return structuredClone(this.trained());
  }

  get params(): Readonly<GradientBoostingParams> {
    return this.trained().params;
  }

  get featureCount(): number {
    return this.trained().featureCount;
  }

  get baseScore(): number {
    return this.trained().baseScore;
  }

  /** The fitted trees (copies). */
  get trees(): RegressionTree[] {
    return structuredClone(this.trained().trees);
  }

  /** Share of the total split gain per feature (sums to 1 unless no split was made). */
  featureImportances(): number[] {
    const { gainByFeature } = this.trained();
    const total = gainByFeature.reduce((s, g) => s + g, 0);
    return gainByFeature.map((g) => (total > 0 ? g / total : 0));
  }

  fit(X: FeatureMatrix, y: BinaryLabels, params: Partial<GradientBoostingParams> = {}, onProgress?: ProgressCallback): this {
    const p: GradientBoostingParams = { ...DEFAULT_GRADIENT_BOOSTING_PARAMS, ...params };
    checkPositiveInteger('rounds', p.rounds);
    checkPositiveInteger('maxDepth', p.maxDepth);
    checkRange('learningRate', p.learningRate, 0, Infinity, true);
    checkPositiveInteger('minSamplesLeaf', p.minSamplesLeaf);
    checkRange('subsample', p.subsample, 0, 1, true);
    checkRange('l2', p.l2, 0, Infinity);
    checkPositiveInteger('maxBins', p.maxBins, 2);
    checkRange('maxBins', p.maxBins, 2, 65536);
    checkRange('minGain', p.minGain, 0, Infinity);
    if (!Number.isInteger(p.seed)) throw new Error(`seed must be an integer, got ${p.seed}`);
    const { rows: n, features: f } = checkTrainingData(X, y);

    const columns = Array.from({ length: f }, (_, j) =>
      binFeature(
        Float64Array.from(X, (row) => row[j]),
        p.maxBins,
      ),
    );
    let positives = 0;
    for (let i = 0; i < n; i++) positives += y[i];
    const rate = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6);
    const baseScore = Math.log(rate / (1 - rate));

    const margin = new Float64Array(n).fill(baseScore);
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const gainByFeature = new Array<number>(f).fill(0);
    const trees: RegressionTree[] = [];
    const random = mulberry32(p.seed);
    const sampleSize = Math.max(1, Math.round(n * p.subsample));
    const allRows = Array.from({ length: n }, (_, i) => i);
    // One set of histogram buffers for the whole fit, reused by every node and feature.
    const widest = Math.max(...columns.map((c) => c.thresholds.length + 1));
    const histogram: HistogramBuffers = { gSum: new Float64Array(widest), hSum: new Float64Array(widest), count: new Int32Array(widest) };

    for (let round = 0; round < p.rounds; round++) {
      for (let i = 0; i < n; i++) {
        const prob = sigmoid(margin[i]);
        grad[i] = prob - y[i];
        // Floor keeps leaf values finite once rows are fitted almost perfectly.
        hess[i] = Math.max(prob * (1 - prob), 1e-16);
      }
      const rows = p.subsample < 1 ? sampleIndices(n, sampleSize, random) : allRows;
      const tree: RegressionTree = { feature: [], threshold: [], left: [], right: [], value: [] };
      this.grow(tree, rows, 0, columns, grad, hess, p, gainByFeature, histogram);
      trees.push(tree);

      let loss = 0;
      for (let i = 0; i < n; i++) {
        margin[i] += treeOutput(tree, X[i]);
        loss += logLossFromMargin(margin[i], y[i]);
      }
      onProgress?.((round + 1) / p.rounds, { step: round + 1, totalSteps: p.rounds, loss: loss / n });
    }

    this.state = { trainer: 'gradient-boosting', params: p, featureCount: f, baseScore, trees, gainByFeature };
    return this;
  }

  /** Grows the subtree for `rows` in pre-order and returns its node id. */
  private grow(
    tree: RegressionTree,
    rows: readonly number[],
    depth: number,
    columns: readonly FeatureBins[],
    grad: Float64Array,
    hess: Float64Array,
    p: GradientBoostingParams,
    gainByFeature: number[],
    histogram: HistogramBuffers,
  ): number {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    let G = 0;
    let H = 0;
    for (const i of rows) {
      G += grad[i];
      H += hess[i];
    }
    tree.value.push((-G / (H + p.l2)) * p.learningRate);
    if (depth >= p.maxDepth || rows.length < 2 * p.minSamplesLeaf) return id;

    const parentScore = (G * G) / (H + p.l2);
    let bestGain = p.minGain;
    let bestFeature = -1;
    let bestBin = -1;
    for (let j = 0; j < columns.length; j++) {
      const { thresholds, bins } = columns[j];
      const nBins = thresholds.length + 1;
      if (nBins < 2) continue;
      const { gSum, hSum, count } = histogram;
      gSum.fill(0, 0, nBins);
      hSum.fill(0, 0, nBins);
      count.fill(0, 0, nBins);
      for (const i of rows) {
        const b = bins[i];
        gSum[b] += grad[i];
        hSum[b] += hess[i];
        count[b]++;
      }
      let gLeft = 0;
      let hLeft = 0;
      let cLeft = 0;
      for (let b = 0; b < nBins - 1; b++) {
        gLeft += gSum[b];
        hLeft += hSum[b];
        cLeft += count[b];
        const cRight = rows.length - cLeft;
        if (cLeft < p.minSamplesLeaf) continue;
        if (cRight < p.minSamplesLeaf) break;
        const gRight = G - gLeft;
        const hRight = H - hLeft;
        const gain = (gLeft * gLeft) / (hLeft + p.l2) + (gRight * gRight) / (hRight + p.l2) - parentScore;
        // Strictly greater: ties keep the first feature/bin, so fits are reproducible.
        if (gain > bestGain + 1e-12) {
          bestGain = gain;
          bestFeature = j;
          bestBin = b;
        }
      }
    }
    if (bestFeature < 0) return id;

    gainByFeature[bestFeature] += bestGain;
    const bins = columns[bestFeature].bins;
    const leftRows: number[] = [];
    const rightRows: number[] = [];
    for (const i of rows) (bins[i] <= bestBin ? leftRows : rightRows).push(i);
    tree.feature[id] = bestFeature;
    tree.threshold[id] = columns[bestFeature].thresholds[bestBin];
    tree.value[id] = 0;
    tree.left[id] = this.grow(tree, leftRows, depth + 1, columns, grad, hess, p, gainByFeature, histogram);
    tree.right[id] = this.grow(tree, rightRows, depth + 1, columns, grad, hess, p, gainByFeature, histogram);
    return id;
  }

  decisionFunction(X: FeatureMatrix): Float64Array {
    const { featureCount, baseScore, trees } = this.trained();
    checkFeatureMatrix(X, featureCount);
    return Float64Array.from(X, (row) => {
      let m = baseScore;
      for (const tree of trees) m += treeOutput(tree, row);
      return m;
    });
  }

  predictProba(X: FeatureMatrix): Float64Array {
    return this.decisionFunction(X).map(sigmoid);
  }

  predict(X: FeatureMatrix): Uint8Array {
    return Uint8Array.from(this.decisionFunction(X), (m) => (m >= 0 ? 1 : 0));
  }

  private trained(): GradientBoostingState {
    if (!this.state) throw new Error('gradient boosting is not trained yet: call fit() first');
    return this.state;
  }
}
