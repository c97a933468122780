import { latencyPercentiles, mean, quantile, quantileSorted, quantiles, std, variance } from './descriptive';

// Reference values from numpy 2.4 (np.quantile / np.percentile default method 'linear', np.std).

const sample = [7.2, 1.5, 3.3, 9.9, 4.1, 2.8, 6.0, 5.5, 8.7, 0.4, 3.3];

describe('quantile', () => {
  it.each([
    [0, 0.4],
    [0.1, 1.5],
    [0.25, 3.05],
    [0.5, 4.1],
    [0.75, 6.6],
    [0.9, 8.7],
    [0.95, 9.3],
    [0.99, 9.780000000000001],
    [1, 9.9],
  ])('matches numpy.quantile at q=%p', (q, expected) => {
    expect(quantile(sample, q)).toBeCloseTo(expected, 13);
  });

  it('computes several quantiles from one sort, ignoring NaN', () => {
    expect(quantiles([...sample, NaN], [0.25, 0.75])).toEqual([quantile(sample, 0.25), quantile(sample, 0.75)]);
  });

  it('returns the only value of a one-element sample', () => {
    expect(quantileSorted([42], 0.99)).toBe(42);
  });

  it('rejects an empty sample and q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe('mean, variance and std', () => {
  it('match numpy mean and std with ddof 0 and 1', () => {
    expect(mean(sample)).toBeCloseTo(4.79090909090909, 13);
    expect(std(sample)).toBeCloseTo(2.8308220924332677, 13);
    expect(std(sample, 1)).toBeCloseTo(2.9689912581395532, 13);
  });

  it('keep precision under a large common offset', () => {
    // np.var([1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4]) = 0.012499994039551154
    const shifted = [1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4];
    expect(variance(shifted)).toBeCloseTo(0.012499994039551154, 12);
  });

  it('are NaN for too few values', () => {
    expect(mean([])).toBeNaN();
    expect(std([5], 1)).toBeNaN();
  });
});

describe('latencyPercentiles', () => {
  it('matches numpy.percentile(latencies, [50, 95, 99])', () => {
    const latencies = [12, 15, 11, 250, 14, 13, 16, 18, 13, 12, 900, 14, 15, 13, 17, 19, 12, 14, 13, 20];
    const summary = latencyPercentiles(latencies);
    expect(summary).not.toBeNull();
    expect(summary?.count).toBe(20);
    expect(summary?.mean).toBeCloseTo(70.55, 12);
    expect(summary?.p50).toBe(14);
    expect(summary?.p95).toBeCloseTo(282.50000000000045, 10);
    expect(summary?.p99).toBeCloseTo(776.4999999999992, 10);
    expect(summary?.max).toBe(900);
  });

  it('is null without values', () => {
    expect(latencyPercentiles([])).toBeNull();
  });
});
