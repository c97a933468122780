// Binning shared by PSI and the reference profiles: edges are quantiles of the reference sample,
// so each reference bin holds about the same share and no bin is empty by construction.

import { quantileSorted } from './descriptive';

/**
 * Bin edges at the 0, 1/bins, …, 1 quantiles (numpy 'linear') of a reference sample. Repeated
 * edges from tied values are merged, so fewer bins can come back; a constant sample gives the
 * single bin [v, v].
 */
export function quantileBinEdges(reference: ArrayLike<number>, bins = 10): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const sorted = Float64Array.from(Array.from(reference).filter((v) => !Number.isNaN(v))).sort();
  return quantileBinEdgesSorted(sorted, bins);
}

/** quantileBinEdges for a sample already sorted ascending and free of NaN. */
export function quantileBinEdgesSorted(sorted: ArrayLike<number>, bins = 10): number[] {
  if (sorted.length === 0) throw new RangeError('bin edges of an empty sample');
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const e = quantileSorted(sorted, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  if (edges.length === 1) edges.push(edges[0]);
  return edges;
}

/**
 * Counts per bin for `edges.length - 1` bins [e0, e1), …, [e(k-1), ek] (the last bin closed, as
 * numpy.histogram). Values below e0 go to the first bin and above ek to the last one, so a
 * current sample outside the reference range still counts; NaN values are skipped.
 */
export function histogramCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  if (bins < 1) throw new RangeError('histogramCounts needs at least two edges');
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] >= edges[i - 1])) throw new RangeError('bin edges must be ascending');
  }
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (Number.isNaN(v)) continue;
    // Largest i with edges[i] <= v, clamped to a valid bin.
    let lo = 0;
    let hi = bins;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    counts[Math.min(lo, bins - 1)]++;
  }
  return counts;
}

/** Key under which a categorical value is counted: null and undefined are missing. */
export type CategoryValue = string | number | boolean | null | undefined;

/** Counts of each category (missing values skipped), keyed by the value as a string. */
export function categoryCounts(values: readonly CategoryValue[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Aligns two category-count maps on the union of their keys (reference order first). */
export function alignCategoryCounts(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
): { categories: string[]; reference: number[]; current: number[] } {
  const categories = [...reference.keys()];
  for (const key of current.keys()) if (!reference.has(key)) categories.push(key);
  return {
    categories,
    reference: categories.map((c) => reference.get(c) ?? 0),
    current: categories.map((c) => current.get(c) ?? 0),
  };
}
