import {
  jensenShannonDistance,
  normalizedWassersteinDistance,
  populationStabilityIndex,
  populationStabilityIndexOfSamples,
  wassersteinDistance,
} from './distance';

// Reference values from scipy 1.17.1 / numpy 2.4, written as literals.

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('jensenShannonDistance', () => {
  // scipy.spatial.distance.jensenshannon(p, q) and jensenshannon(p, q, base=2)
  it.each([
    [[0.1, 0.4, 0.5], [0.3, 0.3, 0.4], 0.18035965602712561, 0.21663402449519667],
    [[10, 20, 30, 40], [40, 30, 20, 10], 0.32625164411267443, 0.3918681606471551],
    [[5, 0, 3, 2], [0, 4, 4, 2], 0.5616937847286466, 0.6746629917136496],
  ])('matches scipy jensenshannon for %j vs %j in base e and base 2', (p, q, natural, base2) => {
    expectRelativelyClose(jensenShannonDistance(p, q), natural, 1e-12);
    expectRelativelyClose(jensenShannonDistance(p, q, 2), base2, 1e-12);
  });

  it('is 0 for identical distributions, whatever their scale', () => {
    expect(jensenShannonDistance([1, 2, 3], [10, 20, 30])).toBe(0);
  });

  it('reaches sqrt(ln 2) in base e and 1 in base 2 for disjoint distributions', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 15);
    expect(jensenShannonDistance([1, 0], [0, 1], 2)).toBeCloseTo(1, 15);
  });

  it('rejects all-zero and negative counts', () => {
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(RangeError);
    expect(() => jensenShannonDistance([1, -1], [1, 1])).toThrow(RangeError);
  });
});

describe('populationStabilityIndex', () => {
  it('matches the PSI formula on binned counts', () => {
    // Σ (cur − ref)·ln(cur/ref) with numpy: 0.22821740957339182
    expectRelativelyClose(populationStabilityIndex([25, 25, 25, 25], [10, 20, 30, 40]), 0.22821740957339182, 1e-12);
  });

  it('replaces an empty bin share by 0.0001', () => {
    // numpy with 0 → 1e-4 on both sides: 0.7306312631811319
    expectRelativelyClose(populationStabilityIndex([30, 0, 70], [20, 10, 70]), 0.7306312631811319, 1e-12);
    expect(populationStabilityIndex([30, 0, 70], [20, 10, 70], 0.001)).toBeLessThan(0.7306312631811319);
  });

  it('is 0 for identical shares', () => {
    expect(populationStabilityIndex([100, 200, 300], [1, 2, 3])).toBe(0);
  });

  it('bins raw samples on quartiles of the reference', () => {
    const reference = [
      -0.27, -0.244, 1.002, -0.886, -0.292, 0.883, 0.58, 0.092, 0.67, -2.828, 1.021, -0.96, -1.669, 0.276, 0.701, -0.445, -1.076, 0.026,
      -0.053, 1.406, 0.747, 0.194, 1.112, -0.206, -0.926, 0.584, 0.583, -0.215, -0.783, 0.229, -2.494, 0.69, 0.491, -1.639, 0.061, -0.964,
      0.757, -2.034, -0.914, 0.71,
    ];
    const current = [
      1.656, -1.658, 0.002, 0.828, -0.109, 2.091, -0.691, 0.855, -0.548, 1.906, 0.478, 0.128, -1.218, 2.182, 1.253, 1.254, 1.638, 0.849,
      -0.139, -0.3, -0.3, 1.87, -0.96, -0.096, 0.179, 0.725, 1.075, -0.749, -1.23, 0.496,
    ];
    // numpy: edges np.quantile(reference, [0, .25, .5, .75, 1]), counts [10, 10, 10, 10] vs [4, 9, 4, 13]
    expectRelativelyClose(populationStabilityIndexOfSamples(reference, current, 4), 0.2566332601401182, 1e-12);
  });
});

describe('wassersteinDistance', () => {
  // scipy.stats.wasserstein_distance(u, v)
  it('matches scipy for disjoint samples', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 14);
  });

  it('matches scipy with ties and unequal sizes', () => {
    expectRelativelyClose(wassersteinDistance([3.4, 3.9, 7.5, 7.8, 1.2, 3.4], [4.5, 1.4, 3.4, 3.4, 9.1]), 0.8600000000000002, 1e-12);
  });

  it('matches scipy on normal samples, raw and normalised by the reference std', () => {
    const reference = [2.041, -2.556, 0.418, -0.568, -0.453, -0.216, -2.02, -0.232, -0.865, 3.323, 0.226, -0.353, -0.281, -0.668, -1.055];
    const current = [-0.186, 1.123, 0.042, 1.837, 0.1, 0.436, 2.719, 1.218, -0.358, 0.126, 1.211, 3.303];
    expectRelativelyClose(wassersteinDistance(reference, current), 1.1841833333333334, 1e-12);
    // wasserstein_distance(reference, current) / np.std(reference)
    expectRelativelyClose(normalizedWassersteinDistance(reference, current), 0.8594191372429206, 1e-12);
  });

  it('is symmetric and 0 for identical samples', () => {
    expect(wassersteinDistance([1, 2, 3], [3, 2, 1])).toBe(0);
    expect(wassersteinDistance([1, 5], [2, 2, 9])).toBe(wassersteinDistance([2, 2, 9], [1, 5]));
  });

  it('normalises by at least 0.001 when the reference is constant', () => {
    expect(normalizedWassersteinDistance([2, 2, 2], [2.001, 2.001])).toBeCloseTo(1, 10);
  });
});
