// Pearson chi-square test of independence / homogeneity on a contingency table, matching
// scipy.stats.chi2_contingency(table, correction=False).

import { chiSquareSf } from './special';

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
  /** Expected counts under independence, same shape as the table that was tested. */
  expected: number[][];
}

/**
 * Chi-square test on an r×k table of non-negative counts, without Yates' correction.
 * Like scipy, a zero expected cell (an all-zero row or column) is an error; with dof = 0 the
 * statistic is 0 and the p-value 1.
 */
export function chiSquareContingency(table: readonly (readonly number[])[]): ChiSquareResult {
  const rows = table.length;
  const cols = rows === 0 ? 0 : table[0].length;
  if (rows === 0 || cols === 0) throw new RangeError('chiSquareContingency needs a non-empty table');
  const rowTotals = new Array<number>(rows).fill(0);
  const colTotals = new Array<number>(cols).fill(0);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    if (table[r].length !== cols) throw new RangeError('chiSquareContingency needs a rectangular table');
    for (let c = 0; c < cols; c++) {
      const v = table[r][c];
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`counts must be finite and non-negative, got ${v}`);
      rowTotals[r] += v;
      colTotals[c] += v;
      total += v;
    }
  }
  const expected = rowTotals.map((rt) => colTotals.map((ct) => (rt * ct) / total));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (expected[r][c] === 0) throw new RangeError(`expected frequency is zero at [${r}][${c}]`);
    }
  }
  const dof = (rows - 1) * (cols - 1);
  if (dof === 0) return { statistic: 0, pValue: 1, dof, expected };
  let statistic = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const diff = table[r][c] - expected[r][c];
      statistic += (diff * diff) / expected[r][c];
    }
  }
  return { statistic, pValue: chiSquareSf(statistic, dof), dof, expected };
}

/**
 * Chi-square test of homogeneity between reference and current counts of the same categories
 * (a 2×k table). Categories absent from both sides carry no information and would give zero
 * expected cells, so they are dropped; a category seen on one side only stays in.
 */
export function chiSquareHomogeneity(referenceCounts: readonly number[], currentCounts: readonly number[]): ChiSquareResult {
  if (referenceCounts.length !== currentCounts.length) throw new RangeError('reference and current counts must have the same length');
  const ref: number[] = [];
  const cur: number[] = [];
  for (let i = 0; i < referenceCounts.length; i++) {
    if (referenceCounts[i] + currentCounts[i] > 0) {
      ref.push(referenceCounts[i]);
      cur.push(currentCounts[i]);
    }
  }
  if (ref.length === 0) throw new RangeError('chiSquareHomogeneity needs at least one non-empty category');
  return chiSquareContingency([ref, cur]);
}
