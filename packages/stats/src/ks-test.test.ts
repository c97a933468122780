import { ks2Samp, ks2SampSorted, ksStatisticSorted, roundHalfEven } from './ks-test';

// Reference values from scipy 1.17.1: stats.ks_2samp(a, b) with the default method='auto'.

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

/** Deterministic, tie-free sample that Python builds bit for bit: ((i·a) mod m) / m + offset, i = 1..n. */
function lattice(n: number, a: number, m: number, offset: number): number[] {
  return Array.from({ length: n }, (_, k) => (((k + 1) * a) % m) / m + offset);
}

describe('ks2Samp', () => {
  it('ks_2samp exact p-value matches scipy for 8 vs 7 samples', () => {
    const a = [0.001, 0.299, -0.274, -0.891, -0.455, -0.992, 0.06, 1.34];
    const b = [0.308, 0.18, 1.29, 1.157, 0.905, -0.13, 0.771];
    const result = ks2Samp(a, b);
    expect(result.method).toBe('exact');
    expect(result.statistic).toBeCloseTo(0.6071428571428571, 15);
    expectRelativelyClose(result.pValue, 0.08702408702408701, 1e-12);
  });

  it('ks_2samp exact p-value matches scipy for 20 vs 20 samples (equal sizes)', () => {
    const a = [
      0.695, -1.344, -0.458, -1.901, -1.29, -1.842, -0.235, -1.267, 0.271, 0.157, -0.187, -2.517, -0.539, -0.049, 0.113, -1.53, -0.478,
      -0.979, -0.809, 1.061,
    ];
    const b = [
      0.392, 1.167, 2.084, 0.616, 1.088, 1.31, 1.264, -0.025, 1.276, 2.559, -0.347, 2.059, 1.319, 0.559, 3.2, 1.962, 0.001, 1.275, 1.777,
      1.011,
    ];
    const result = ks2Samp(a, b);
    expect(result.statistic).toBe(0.75);
    expectRelativelyClose(result.pValue, 9.54696510144592e-6, 1e-12);
  });

  it('handles ties like scipy (statistic from right-continuous ECDFs)', () => {
    const a = [2, 4, 2, 2, 3, 5, 2, 3, 2, 3, 2, 3, 3, 4, 5, 0, 3, 2, 2, 1, 0, 2, 4, 0, 2];
    const b = [6, 6, 2, 1, 5, 1, 2, 3, 6, 1, 4, 4, 1, 6, 6, 3, 6, 4];
    const result = ks2Samp(a, b);
    expect(result.statistic).toBeCloseTo(0.35555555555555557, 15);
    expectRelativelyClose(result.pValue, 0.10560163779013289, 1e-12);
  });

  it.each([
    [100, 77, 37, 101, 0, 29, 79, 0.1, 0.11467532467532468, 0.5646867780129436],
    [1000, 999, 389, 1009, 0, 577, 1013, 0.04, 0.04226626626626627, 0.32368410376247037],
    [3000, 2000, 1409, 3001, 0, 1103, 2003, 0.15, 0.1505, 3.762786373752969e-24],
    [10000, 9999, 7919, 10007, 0, 4093, 10009, 0.015, 0.015122682268226823, 0.20082805968598733],
  ])('ks_2samp exact p-value matches scipy for %p vs %p lattice samples', (n1, n2, a1, m1, o1, a2, m2, o2, d, p) => {
    const result = ks2Samp(lattice(n1, a1, m1, o1), lattice(n2, a2, m2, o2));
    expect(result.method).toBe('exact');
    expect(result.statistic).toBeCloseTo(d, 14);
    expectRelativelyClose(result.pValue, p, 1e-9);
  });

  it.each([
    [12000, 400, 6007, 12007, 0, 211, 401, 0.05, 0.052500000000000005, 0.22837470351350508],
    [20000, 15001, 12979, 20011, 0, 9001, 15013, 0.012, 0.012201373241783883, 0.15447019750503332],
    // en = 5000.5 rounds half to even (5000); kstwo.sf at 5001 would be 0.64784351…
    [10001, 10001, 7001, 10007, 0, 5003, 10009, 0.01, 0.010398960103989663, 0.6479671506097056],
  ])('ks_2samp asymptotic p-value matches scipy for %p vs %p lattice samples', (n1, n2, a1, m1, o1, a2, m2, o2, d, p) => {
    const result = ks2Samp(lattice(n1, a1, m1, o1), lattice(n2, a2, m2, o2));
    expect(result.method).toBe('asymp');
    expect(result.statistic).toBeCloseTo(d, 14);
    expectRelativelyClose(result.pValue, p, 1e-9);
  });

  it('gives p = 1 for identical samples and ignores NaN', () => {
    const a = [3, 1, 2, 5, 4];
    expect(ks2Samp(a, [...a, NaN])).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
  });

  it('gives the smallest exact p-value for fully separated samples', () => {
    // scipy: 0.007936507936507936 = 2 / binom(10, 5)
    const result = ks2Samp([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(result.statistic).toBe(1);
    expect(result.pValue).toBeCloseTo(2 / 252, 15);
  });

  it('uses the asymptotic p-value when asked to', () => {
    const result = ks2Samp(lattice(100, 37, 101, 0), lattice(77, 29, 79, 0.1), 'asymp');
    expect(result.method).toBe('asymp');
    expect(result.statistic).toBeCloseTo(0.11467532467532468, 15);
  });

  it('rejects an empty sample', () => {
    expect(() => ks2Samp([], [1, 2])).toThrow(RangeError);
  });
});

describe('ksStatisticSorted', () => {
  it('is symmetric in its arguments', () => {
    const a = Float64Array.from([0.1, 0.4, 0.5, 0.9]);
    const b = Float64Array.from([0.2, 0.3, 0.35, 0.6, 0.7]);
    expect(ksStatisticSorted(a, b)).toBe(ksStatisticSorted(b, a));
    expect(ks2SampSorted(a, b).pValue).toBe(ks2SampSorted(b, a).pValue);
  });
});

describe('roundHalfEven', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [5000.5, 5000],
    [5001.5, 5002],
    [2.4, 2],
    [2.6, 3],
  ])('rounds %p to %p like numpy', (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });
});
