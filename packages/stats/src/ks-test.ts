// Two-sample Kolmogorov–Smirnov test, two-sided, following scipy.stats.ks_2samp (scipy 1.17):
// method 'auto' is exact when max(n1, n2) <= 10 000, otherwise the p-value is kstwo.sf(D, round(en))
// with en = n1·n2 / (n1 + n2).

import { kolmogorovSmirnovSf } from './ks-distribution';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  /** Largest absolute difference between the two empirical CDFs. */
  statistic: number;
  pValue: number;
  /** The method actually used ('auto' resolved). */
  method: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N: 'auto' is exact while both samples have at most this many values. */
export const KS_EXACT_MAX_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Rounds half to even, as numpy's round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Two-sided P(D >= h/n) for equal sample sizes (scipy's _compute_prob_outside_square). */
function probabilityOutsideSquare(n: number, h: number): number {
  // 2 · Σ (-1)^(k-1) binom(2n, n - k·h) / binom(2n, n), nested Horner-style to avoid cancellation.
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * Two-sided P(D >= h/lcm) for sample sizes m and n: the share of monotone lattice paths from
 * (0, 0) to (m, n) that touch |x·n/g - y·m/g| >= h. Each cell holds the share of paths reaching
 * it that have already touched, so tiny p-values are computed directly rather than as 1 - inside.
 */
function probabilityOutsideBand(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  const share = new Float64Array(n + 1).fill(1);
  let low = 0;
  const firstHigh = Math.min(n, Math.ceil(h / mg) - 1);
  for (let y = 0; y <= firstHigh; y++) share[y] = 0;
  for (let x = 1; x <= m; x++) {
    const newLow = Math.max(0, Math.floor((x * ng - h) / mg) + 1);
    const high = Math.min(n, Math.ceil((x * ng + h) / mg) - 1);
    if (newLow > high) return 1;
    // Cells that dropped out of the band below are now on the boundary.
    for (let y = low; y < newLow && y <= n; y++) share[y] = 1;
    low = newLow;
    for (let y = newLow; y <= high; y++) {
      share[y] = y === 0 ? share[0] : (x * share[y] + y * share[y - 1]) / (x + y);
    }
  }
  return share[n];
}

/**
 * Exact two-sided p-value of the two-sample KS statistic `d` for sample sizes n1 and n2. Returns
 * the statistic snapped to the lattice h/lcm(n1, n2) as scipy does.
 */
export function ksTwoSampleExactPValue(n1: number, n2: number, d: number): { statistic: number; pValue: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? probabilityOutsideSquare(n1, h) : probabilityOutsideBand(n1, n2, g, h);
  return { statistic, pValue: Math.min(1, Math.max(0, p)) };
}

/** Large-sample two-sided p-value as scipy computes it: kstwo.sf(d, round(n1·n2/(n1+n2))). */
export function ksTwoSampleAsymptoticPValue(n1: number, n2: number, d: number): number {
  const en = (n1 * n2) / (n1 + n2);
  return kolmogorovSmirnovSf(Math.max(1, roundHalfEven(en)), d);
}

/** The KS statistic for two ascending-sorted samples (ties handled as searchsorted side='right'). */
export function ksStatisticSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = 0;
  let minDiff = 0;
  while (i < n1 && j < n2) {
    const v = a[i] <= b[j] ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  // Past the end of one sample the difference only moves towards 0, so it cannot set a new extreme.
  return -minDiff > maxDiff ? -minDiff : maxDiff;
}

/** ks_2samp for samples already sorted ascending and free of NaN. */
export function ks2SampSorted(a: ArrayLike<number>, b: ArrayLike<number>, method: KsMethod = 'auto'): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2Samp needs two non-empty samples');
  const d = ksStatisticSorted(a, b);
  let mode: 'exact' | 'asymp';
  if (method === 'auto') {
    mode = Math.max(n1, n2) <= KS_EXACT_MAX_N ? 'exact' : 'asymp';
  } else if (method === 'exact') {
    const g = gcd(n1, n2);
    // Same guard as scipy: the lattice size lcm(n1, n2) must fit in an int32.
    mode = n1 / g >= INT32_MAX / (n2 / g) ? 'asymp' : 'exact';
  } else {
    mode = 'asymp';
  }
  if (mode === 'exact') {
    const exact = ksTwoSampleExactPValue(n1, n2, d);
    return { ...exact, method: 'exact' };
  }
  return { statistic: d, pValue: ksTwoSampleAsymptoticPValue(n1, n2, d), method: 'asymp' };
}

function sortedWithoutNaN(values: readonly number[]): Float64Array {
  const out = Float64Array.from(values.filter((v) => !Number.isNaN(v)));
  return out.sort();
}

/**
 * Two-sided two-sample Kolmogorov–Smirnov test (scipy.stats.ks_2samp, alternative='two-sided').
 * NaN values are dropped. Ties are allowed for the statistic; like scipy, the p-value assumes
 * continuous data.
 */
export function ks2Samp(sample1: readonly number[], sample2: readonly number[], method: KsMethod = 'auto'): KsResult {
  return ks2SampSorted(sortedWithoutNaN(sample1), sortedWithoutNaN(sample2), method);
}
