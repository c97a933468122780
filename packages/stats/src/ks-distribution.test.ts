import { kolmogorovSmirnovSf, smirnovSf } from './ks-distribution';

// Reference values from scipy 1.17.1, written as literals.

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('kolmogorovSmirnovSf', () => {
  // scipy.stats.kstwo.sf(x, n), one case per region of the Simard–L'Ecuyer algorithm choice
  it.each([
    [5, 0.6, 0.03008000000000001, 'x >= 0.5 (2·smirnov)'],
    [10, 0.05, 1.0, 'n·x <= 0.5'],
    [10, 0.08, 0.9999978058034054, 'Ruben–Gambino lower end'],
    [1000, 0.0009, 1.0, 'Ruben–Gambino lower end, n > 140'],
    [10, 0.95, 1.9531250000000172e-13, 'Ruben–Gambino upper end'],
    [10, 0.25, 0.4841115325000003, 'n <= 140, Durbin matrix'],
    [50, 0.2, 0.03143877776953241, "n <= 140, scipy's Pomeranz region"],
    [50, 0.4, 9.86356336441006e-8, 'n <= 140, 2·smirnov'],
    [141, 0.1, 0.11128445516467944, 'n > 140, Durbin matrix'],
    [500, 0.08, 0.0031305058199356268, 'n > 140, 2·smirnov'],
    [5000, 0.01, 0.6954557253913853, 'n > 140, Durbin matrix with large n'],
    [200000, 0.003, 0.0545369786611305, 'Pelz–Good'],
    [300, 0.7, 7.220857512656351e-148, 'tiny p-value'],
  ])('matches scipy kstwo.sf for n=%p, x=%p (%s)', (n, x, expected) => {
    expectRelativelyClose(kolmogorovSmirnovSf(n, x), expected, 1e-10);
  });

  it('is 1 at 0 and 0 at 1', () => {
    expect(kolmogorovSmirnovSf(20, 0)).toBe(1);
    expect(kolmogorovSmirnovSf(20, 1)).toBe(0);
  });

  it('rejects a non-integer n', () => {
    expect(() => kolmogorovSmirnovSf(2.5, 0.1)).toThrow(RangeError);
  });
});

describe('smirnovSf', () => {
  // scipy.special.smirnov(n, d), including n above cephes' 1013 switch to log space
  it.each([
    [5, 0.3, 0.34282],
    [20, 0.2, 0.1771853932104659],
    [100, 0.1, 0.1265906584562817],
    [1000, 0.05, 0.006506037390545166],
    [5000, 0.02, 0.01806981293722266],
    [5000, 0.05, 1.3261526164355594e-11],
    [50000, 0.01, 4.509024405921801e-5],
  ])('matches scipy smirnov(%p, %p)', (n, d, expected) => {
    expectRelativelyClose(smirnovSf(n, d), expected, 1e-9);
  });

  it('is 1 - d for a single observation', () => {
    expect(smirnovSf(1, 0.3)).toBeCloseTo(0.7, 15);
  });
});
