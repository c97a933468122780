// Distances between a reference and a current distribution, used for large samples where
// p-values flag even negligible differences.

import { histogramCounts, quantileBinEdgesSorted } from './binning';
import { std } from './descriptive';

function sortedWithoutNaN(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(Array.from(values).filter((v) => !Number.isNaN(v))).sort();
}

function normalise(counts: readonly number[], name: string): number[] {
  let total = 0;
  for (const c of counts) {
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`${name} must be finite and non-negative, got ${c}`);
    total += c;
  }
  if (total === 0) throw new RangeError(`${name} must not be all zero`);
  return counts.map((c) => c / total);
}

function relativeEntropyTerm(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

/**
 * Jensen–Shannon distance (the square root of the divergence) between two distributions given as
 * probabilities or counts over the same categories; each is normalised to sum to 1. Natural log by
 * default, as scipy.spatial.distance.jensenshannon and Evidently (range 0…sqrt(ln 2) ≈ 0.833);
 * pass base 2 for a distance within 0…1.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base?: number): number {
  if (p.length !== q.length) throw new RangeError('distributions must have the same length');
  const pn = normalise(p, 'p');
  const qn = normalise(q, 'q');
  let divergence = 0;
  for (let i = 0; i < pn.length; i++) {
    const m = (pn[i] + qn[i]) / 2;
    divergence += relativeEntropyTerm(pn[i], m) + relativeEntropyTerm(qn[i], m);
  }
  if (base !== undefined) divergence /= Math.log(base);
  // Rounding can leave a tiny negative sum for identical inputs.
  return Math.sqrt(Math.max(0, divergence / 2));
}

/** Share substituted for an empty bin in PSI, so the log stays finite (Evidently's 0.0001). */
export const PSI_EMPTY_BIN_SHARE = 0.0001;

/**
 * Population Stability Index Σ (cur% − ref%)·ln(cur% / ref%) over bins given as counts. Empty bins
 * get the share `emptyBinShare` (default 0.0001, as Evidently) instead of 0; shares are not
 * renormalised afterwards. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift.
 */
export function populationStabilityIndex(
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
  emptyBinShare = PSI_EMPTY_BIN_SHARE,
): number {
  if (referenceCounts.length !== currentCounts.length) throw new RangeError('reference and current counts must have the same length');
  const ref = normalise(referenceCounts, 'reference counts');
  const cur = normalise(currentCounts, 'current counts');
  let psi = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] === 0 ? emptyBinShare : ref[i];
    const c = cur[i] === 0 ? emptyBinShare : cur[i];
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** PSI of two raw samples on `bins` quantile bins of the reference (values outside go to the edge bins). */
export function populationStabilityIndexOfSamples(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins = 10,
  emptyBinShare = PSI_EMPTY_BIN_SHARE,
): number {
  const edges = quantileBinEdgesSorted(sortedWithoutNaN(reference), bins);
  return populationStabilityIndex(histogramCounts(reference, edges), histogramCounts(current, edges), emptyBinShare);
}

/** Wasserstein-1 distance for two ascending-sorted samples: ∫ |F_u − F_v| over the merged support. */
export function wassersteinDistanceSorted(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const nu = u.length;
  const nv = v.length;
  if (nu === 0 || nv === 0) throw new RangeError('wassersteinDistance needs two non-empty samples');
  let i = 0;
  let j = 0;
  let previous = 0;
  let started = false;
  let total = 0;
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i] <= v[j]) ? u[i] : v[j];
    if (started) total += Math.abs(i / nu - j / nv) * (x - previous);
    while (i < nu && u[i] <= x) i++;
    while (j < nv && v[j] <= x) j++;
    previous = x;
    started = true;
  }
  return total;
}

/** Wasserstein-1 (earth mover's) distance between two samples, as scipy.stats.wasserstein_distance. */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinDistanceSorted(sortedWithoutNaN(u), sortedWithoutNaN(v));
}

/** Floor on the reference standard deviation, so a constant reference does not divide by zero (Evidently). */
export const WASSERSTEIN_MIN_NORM = 0.001;

/**
 * Evidently's normed Wasserstein distance: Wasserstein-1 divided by the reference population
 * standard deviation (at least 0.001), i.e. the shift in reference standard deviations. Evidently
 * flags drift at >= 0.1.
 */
export function normalizedWassersteinDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const ref = sortedWithoutNaN(reference);
  return wassersteinDistanceSorted(ref, sortedWithoutNaN(current)) / Math.max(std(ref), WASSERSTEIN_MIN_NORM);
}
