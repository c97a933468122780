// Descriptive statistics. Quantiles use numpy's default 'linear' method (Hyndman & Fan type 7,
// the same as Excel PERCENTILE.INC and R's default): position h = (n - 1)·q between order statistics.

function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
}

/** The q-quantile (0 <= q <= 1) of an ascending-sorted sample, numpy's 'linear' method. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  // numpy interpolates from the nearer end, which keeps the result monotone in q.
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The q-quantile of a sample (NaN values ignored), numpy.quantile's default method. */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(sortedCopy(values), q);
}

/** Several quantiles of one sample, sorting it once. */
export function quantiles(values: readonly number[], qs: readonly number[]): number[] {
  const sorted = sortedCopy(values);
  return qs.map((q) => quantileSorted(sorted, q));
}

/** Arithmetic mean (NaN for an empty sample). */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  return sum / n;
}

/**
 * Variance with `ddof` delta degrees of freedom: 0 (population, numpy's default) or 1 (sample).
 * Two-pass, so a large common offset does not cost precision.
 */
export function variance(values: ArrayLike<number>, ddof = 0): number {
  const n = values.length;
  if (n - ddof <= 0) return NaN;
  const m = mean(values);
  let sumSquares = 0;
  let sumDiffs = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    sumSquares += d * d;
    sumDiffs += d;
  }
  // Corrected two-pass formula: removes the rounding error left in the mean.
  return (sumSquares - (sumDiffs * sumDiffs) / n) / (n - ddof);
}

/** Standard deviation; `ddof` 0 (population, numpy.std's default) or 1 (sample). */
export function std(values: ArrayLike<number>, ddof = 0): number {
  return Math.sqrt(variance(values, ddof));
}

export interface LatencyPercentiles {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Latency summary: p50/p95/p99 by linear interpolation between order statistics (numpy.percentile
 * default), so they are exact for small windows rather than bucket estimates. Null when empty.
 */
export function latencyPercentiles(values: readonly number[]): LatencyPercentiles | null {
  const sorted = sortedCopy(values);
  if (sorted.length === 0) return null;
  return {
    count: sorted.length,
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[sorted.length - 1],
  };
}
