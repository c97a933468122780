import type { DatasetRow } from './datasets/weather-dataset';
import { mulberry32, sampleIndices } from './random';
import { checkFeatureMatrix, type FeatureMatrix } from './trainers/trainer-types';

/**
 * Reference profile of the training data for drift monitoring: per-feature summary statistics,
 * deciles, a histogram whose bin edges come from the training quantiles (so live data can be
 * binned the same way, e.g. for PSI), and a seeded random sample (e.g. for a KS test).
 * Plain JSON: only finite numbers, strings and arrays.
 */

export interface FeatureProfile {
  name: string;
  count: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator; 0 for a single value). */
  std: number;
  min: number;
  max: number;
  /** Deciles (probabilities 0, 0.1 … 1), linear interpolation between order statistics. */
  quantiles: number[];
  histogram: Histogram;
  /** Values of the sampled rows (the same rows for every feature), in row order. */
  sample: number[];
}

export interface Histogram {
  /** Ascending, distinct bin edges; bin i is [edges[i], edges[i+1]), the last bin is closed. */
  edges: number[];
  counts: number[];
}

export interface ReferenceProfile {
  version: 1;
  featureNames: string[];
  rowCount: number;
  quantileProbabilities: number[];
  /** Present when the rows carried labels. */
  label?: { count: number; positives: number; positiveRate: number };
  sample: { seed: number; size: number };
  features: FeatureProfile[];
}

export interface ProfileOptions {
  /** Most histogram bins per feature (default 10); fewer when training quantiles coincide. */
  bins?: number;
  /** Most sampled values per feature (default 1000). */
  sampleSize?: number;
  seed?: number;
}

export const DECILE_PROBABILITIES: readonly number[] = Object.freeze(Array.from({ length: 11 }, (_, i) => i / 10));

/** Quantile of ascending `sorted` values with linear interpolation (NumPy's default method). */
export function quantileSorted(sorted: ArrayLike<number>, probability: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * probability;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Counts `values` in the bins of `edges`. Values below the first edge fall in the first bin and
 * values above the last in the last bin, so live data outside the training range is still counted.
 */
export function histogramCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const bins = Math.max(1, edges.length - 1);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // Largest i with edges[i] ≤ x, clamped to the valid bins.
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    counts[lo]++;
  }
  return counts;
}

/** Bin edges at evenly spaced training quantiles, duplicates removed (heavy values keep one bin). */
export function quantileBinEdges(sorted: ArrayLike<number>, bins: number): number[] {
  const edges: number[] = [];
  for (let k = 0; k <= bins; k++) {
    const edge = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  // A constant feature still gets one (degenerate) bin.
  if (edges.length === 1) edges.push(edges[0]);
  return edges;
}

function isRows(data: readonly DatasetRow[] | FeatureMatrix): data is readonly DatasetRow[] {
  return data.length > 0 && !Array.isArray(data[0]) && typeof data[0] === 'object' && 'features' in data[0];
}

export function computeReferenceProfile(
  data: readonly DatasetRow[] | FeatureMatrix,
  featureNames: readonly string[],
  options: ProfileOptions = {},
): ReferenceProfile {
  const bins = options.bins ?? 10;
  const sampleSize = options.sampleSize ?? 1000;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  if (data.length === 0) throw new Error('cannot profile zero rows');
  const rows = isRows(data) ? data : undefined;
  const X: FeatureMatrix = rows ? rows.map((r) => r.features) : (data as FeatureMatrix);
  checkFeatureMatrix(X, featureNames.length);
  const n = X.length;
  const sampled = sampleIndices(n, sampleSize, mulberry32(seed));

  const features = featureNames.map((name, j): FeatureProfile => {
    const values = Float64Array.from(X, (row) => row[j]);
    const sorted = Float64Array.from(values).sort();
    let sum = 0;
    for (const v of values) sum += v;
    const mean = sum / n;
    let squares = 0;
    for (const v of values) squares += (v - mean) ** 2;
    const edges = quantileBinEdges(sorted, bins);
    return {
      name,
      count: n,
      mean,
      std: n > 1 ? Math.sqrt(squares / (n - 1)) : 0,
      min: sorted[0],
      max: sorted[n - 1],
      quantiles: DECILE_PROBABILITIES.map((q) => quantileSorted(sorted, q)),
      histogram: { edges, counts: histogramCounts(values, edges) },
      sample: sampled.map((i) => values[i]),
    };
  });

  const profile: ReferenceProfile = {
    version: 1,
    featureNames: [...featureNames],
    rowCount: n,
    quantileProbabilities: [...DECILE_PROBABILITIES],
    sample: { seed, size: sampled.length },
    features,
  };
  if (rows) {
    const positives = rows.reduce((s, r) => s + (r.label === 1 ? 1 : 0), 0);
    profile.label = { count: n, positives, positiveRate: positives / n };
  }
  return profile;
}
