import { histogramCounts } from './binning';
import { chiSquareHomogeneity } from './chi-square-test';
import {
  jensenShannonDistance,
  normalizedWassersteinDistance,
  populationStabilityIndex,
  populationStabilityIndexOfSamples,
} from './distance';
import { DEFAULT_DRIFT_OPTIONS, detectDrift, type DriftColumn, type NumericColumn } from './drift';
import { ks2Samp } from './ks-test';

/** Seeded standard normal sample (mulberry32 + Box–Muller), so every run sees the same data. */
function normals(seed: number, n: number, shift = 0): number[] {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()) + shift);
}

/** Categorical sample with the given shares of 'a', 'b', 'c', … in a fixed interleaved order. */
function categories(n: number, shares: number[]): string[] {
  const out: string[] = [];
  shares.forEach((share, k) => {
    for (let i = 0; i < Math.round(n * share); i++) out.push(String.fromCharCode(97 + k));
  });
  return out;
}

function numeric(feature: string, reference: number[], current: (number | null)[]): NumericColumn {
  return { feature, type: 'NUMERIC', reference, current };
}

describe('detectDrift method choice and verdicts', () => {
  it('tests a small numeric reference with KS and flags a shifted feature', () => {
    const reference = normals(1, 500);
    const current = normals(2, 400, 1);
    const report = detectDrift({ features: [numeric('x', reference, current)] });
    const [x] = report.features;
    expect(x).toMatchObject({
      feature: 'x',
      type: 'NUMERIC',
      method: 'KS',
      threshold: 0.05,
      drifted: true,
      sampleSize: 400,
      referenceSize: 500,
    });
    const expected = ks2Samp(reference, current);
    expect(x.statistic).toBe(expected.statistic);
    expect(x.pValue).toBe(expected.pValue);
  });

  it('does not flag a numeric feature drawn from the same distribution', () => {
    const report = detectDrift({ features: [numeric('x', normals(1, 500), normals(3, 400))] });
    expect(report.features[0].method).toBe('KS');
    expect(report.features[0].pValue).toBeGreaterThan(0.05);
    expect(report.features[0].drifted).toBe(false);
  });

  it('divides alpha by the number of tested features with Bonferroni', () => {
    const reference = normals(1, 300);
    const borderline = normals(2, 300, 0.26);
    const p = ks2Samp(reference, borderline).pValue;
    expect(p).toBeGreaterThan(0.01);
    expect(p).toBeLessThan(0.05);
    const features = [
      numeric('borderline', reference, borderline),
      ...[4, 5, 6, 7].map((seed) => numeric(`f${seed}`, reference, normals(seed, 300))),
    ];

    const corrected = detectDrift({ features });
    expect(corrected.features[0]).toMatchObject({ threshold: 0.01, drifted: false });

    const uncorrected = detectDrift({ features }, { bonferroni: false });
    expect(uncorrected.features[0]).toMatchObject({ threshold: 0.05, drifted: true });
  });

  it('uses the normed Wasserstein distance for a large numeric reference', () => {
    const reference = normals(1, 5000);
    const shifted = normals(2, 2000, 0.2);
    const report = detectDrift({ features: [numeric('shifted', reference, shifted), numeric('stable', reference, normals(3, 2000))] });
    const [a, b] = report.features;
    expect(a).toMatchObject({ method: 'WASSERSTEIN_NORMED', threshold: 0.1, pValue: null, drifted: true });
    expect(a.statistic).toBeCloseTo(normalizedWassersteinDistance(reference, shifted), 12);
    expect(b).toMatchObject({ method: 'WASSERSTEIN_NORMED', drifted: false });
    expect(b.statistic).toBeLessThan(0.1);
  });

  it('uses PSI on reference deciles when selected', () => {
    const reference = normals(1, 5000);
    const current = normals(2, 2000, 0.5);
    const report = detectDrift({ features: [numeric('x', reference, current)] }, { numericLargeSampleMethod: 'PSI' });
    const [x] = report.features;
    expect(x).toMatchObject({ method: 'PSI', threshold: 0.1, pValue: null, drifted: true });
    expect(x.statistic).toBeCloseTo(populationStabilityIndexOfSamples(reference, current, 10), 12);
  });

  it('tests a small categorical reference with chi-square, including a category new in current data', () => {
    const reference = categories(300, [0.5, 0.3, 0.2]);
    const current = categories(200, [0.4, 0.3, 0.2, 0.1]);
    const report = detectDrift({ features: [{ feature: 'colour', type: 'CATEGORICAL', reference, current }] });
    const [colour] = report.features;
    const expected = chiSquareHomogeneity([150, 90, 60, 0], [80, 60, 40, 20]);
    expect(colour).toMatchObject({ method: 'CHI_SQUARE', threshold: 0.05, drifted: true, sampleSize: 200, referenceSize: 300 });
    expect(colour.statistic).toBeCloseTo(expected.statistic, 12);
    expect(colour.pValue).toBeCloseTo(expected.pValue, 15);
  });

  it('uses the Jensen–Shannon distance for a large categorical reference', () => {
    const reference = categories(5000, [0.5, 0.3, 0.2]);
    const report = detectDrift({
      features: [
        { feature: 'moved', type: 'CATEGORICAL', reference, current: categories(1000, [0.2, 0.3, 0.5]) },
        { feature: 'same', type: 'CATEGORICAL', reference, current: categories(1000, [0.5, 0.3, 0.2]) },
      ],
    });
    const [moved, same] = report.features;
    expect(moved).toMatchObject({ method: 'JENSEN_SHANNON', threshold: 0.1, pValue: null, drifted: true });
    expect(moved.statistic).toBeCloseTo(jensenShannonDistance([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]), 12);
    expect(same).toMatchObject({ method: 'JENSEN_SHANNON', statistic: 0, drifted: false });
  });

  it('treats a numeric column with at most 5 distinct values as categorical, like Evidently', () => {
    const reference = Array.from({ length: 200 }, (_, i) => i % 3);
    const current = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 2 : i % 2));
    const lowCardinality = detectDrift({ features: [numeric('rating', reference, current)] });
    expect(lowCardinality.features[0]).toMatchObject({ type: 'NUMERIC', method: 'CHI_SQUARE' });

    const asNumeric = detectDrift({ features: [numeric('rating', reference, current)] }, { lowCardinalityLimit: 0 });
    expect(asNumeric.features[0].method).toBe('KS');
  });

  it('reads a numeric profile: its total decides the method, its histogram feeds PSI, its sample the distances', () => {
    const sample = normals(1, 2000);
    const edges = [-10, -1, 0, 1, 10];
    const profile = { edges, counts: [15_870, 34_130, 34_130, 15_870], sample };
    const current = normals(2, 3000, 0.3);

    const psi = detectDrift(
      { features: [{ feature: 'x', type: 'NUMERIC', reference: profile, current }] },
      { numericLargeSampleMethod: 'PSI' },
    );
    expect(psi.features[0]).toMatchObject({ method: 'PSI', referenceSize: 100_000 });
    expect(psi.features[0].statistic).toBeCloseTo(populationStabilityIndex(profile.counts, histogramCounts(current, edges)), 12);

    const wasserstein = detectDrift({ features: [{ feature: 'x', type: 'NUMERIC', reference: profile, current }] });
    expect(wasserstein.features[0]).toMatchObject({ method: 'WASSERSTEIN_NORMED', drifted: true });
    expect(wasserstein.features[0].statistic).toBeCloseTo(normalizedWassersteinDistance(sample, current), 12);
  });

  it('reads a categorical profile of counts', () => {
    const reference = { counts: { free: 60, pro: 30, team: 10 } };
    const plans = (free: number, pro: number, team: number) => [
      ...Array<string>(free).fill('free'),
      ...Array<string>(pro).fill('pro'),
      ...Array<string>(team).fill('team'),
    ];
    const same = detectDrift({ features: [{ feature: 'plan', type: 'CATEGORICAL', reference, current: plans(120, 60, 20) }] });
    expect(same.features[0]).toMatchObject({
      method: 'CHI_SQUARE',
      referenceSize: 100,
      sampleSize: 200,
      statistic: 0,
      pValue: 1,
      drifted: false,
    });

    const moved = detectDrift({ features: [{ feature: 'plan', type: 'CATEGORICAL', reference, current: plans(40, 40, 20) }] });
    expect(moved.features[0].pValue).toBeCloseTo(chiSquareHomogeneity([60, 30, 10], [40, 40, 20]).pValue, 15);
    expect(moved.features[0].drifted).toBe(true);
  });

  it('rejects a categorical profile with a negative count', () => {
    const reference = { counts: { free: 60, pro: -1 } };
    expect(() => detectDrift({ features: [{ feature: 'plan', type: 'CATEGORICAL', reference, current: ['free'] }] })).toThrow(RangeError);
  });

  it('rejects a numeric profile whose edges do not match its counts', () => {
    const profile = { edges: [0, 1], counts: [1, 2], sample: [0.5] };
    expect(() => detectDrift({ features: [{ feature: 'x', type: 'NUMERIC', reference: profile, current: normals(1, 50) }] })).toThrow(
      RangeError,
    );
  });
});

describe('detectDrift dataset summary', () => {
  const reference = normals(1, 500);
  const column = (i: number, shifted: boolean) => numeric(`f${i}`, reference, normals(10 + i, 300, shifted ? 1 : 0));

  it('flags the dataset when the share of drifted features reaches the threshold', () => {
    const report = detectDrift({ features: [0, 1, 2, 3, 4].map((i) => column(i, i < 3)) });
    expect(report.dataset).toEqual({
      drifted: true,
      share: 0.6,
      driftedCount: 3,
      featureCount: 5,
      sampleSize: 300,
      insufficientData: false,
    });
  });

  it('does not flag the dataset below the threshold, unless the threshold is lowered', () => {
    const features = [0, 1, 2, 3, 4].map((i) => column(i, i < 2));
    expect(detectDrift({ features }).dataset).toMatchObject({ drifted: false, share: 0.4, driftedCount: 2 });
    expect(detectDrift({ features }, { driftShareThreshold: 0.4 }).dataset.drifted).toBe(true);
  });

  it('makes no verdicts when the current sample is below minSampleSize', () => {
    const report = detectDrift({ features: [numeric('x', reference, normals(2, 20, 3))] });
    expect(report.dataset).toEqual({ drifted: false, share: 0, driftedCount: 0, featureCount: 1, sampleSize: 20, insufficientData: true });
    expect(report.features[0]).toMatchObject({ method: 'KS', statistic: null, pValue: null, drifted: false, insufficientData: true });
  });

  it('skips a feature whose current values are mostly missing, and counts only non-missing values', () => {
    const sparse: (number | null)[] = normals(2, 300, 3).map((v, i) => (i % 20 === 0 ? v : null));
    const report = detectDrift({ features: [numeric('sparse', reference, sparse), column(1, true)] });
    expect(report.features[0]).toMatchObject({ sampleSize: 15, insufficientData: true, drifted: false, statistic: null });
    // Only the evaluated feature is in the Bonferroni family.
    expect(report.features[1]).toMatchObject({ threshold: 0.05, drifted: true, insufficientData: false });
    expect(report.dataset).toMatchObject({ sampleSize: 300, insufficientData: false, driftedCount: 1, share: 0.5, drifted: true });
  });

  it('reports prediction drift on its own, at the uncorrected alpha, outside the feature share', () => {
    const prediction: DriftColumn = { feature: 'score', type: 'NUMERIC', reference, current: normals(30, 300, 1) };
    const report = detectDrift({ features: [0, 1, 2].map((i) => column(i, false)), prediction });
    expect(report.prediction).toMatchObject({ feature: 'score', method: 'KS', threshold: 0.05, drifted: true });
    expect(report.features.every((f) => f.threshold === 0.05 / 3)).toBe(true);
    expect(report.dataset).toMatchObject({ featureCount: 3, driftedCount: 0, drifted: false });
  });

  it('returns a null prediction and an empty summary without columns', () => {
    expect(detectDrift({ features: [] })).toEqual({
      dataset: { drifted: false, share: 0, driftedCount: 0, featureCount: 0, sampleSize: 0, insufficientData: true },
      features: [],
      prediction: null,
    });
  });

  it('handles 100 000 current values for each of 5 features', () => {
    const big = normals(1, 100_000);
    const cats = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const features: DriftColumn[] = [
      numeric('shifted', big, normals(2, 100_000, 0.2)),
      numeric('stable1', big, normals(3, 100_000)),
      numeric('stable2', big, normals(4, 100_000)),
      numeric('stable3', big, normals(5, 100_000)),
      {
        feature: 'category',
        type: 'CATEGORICAL',
        reference: Array.from({ length: 100_000 }, (_, i) => cats[i % 7]),
        current: Array.from({ length: 100_000 }, (_, i) => cats[(i * 3) % 7]),
      },
    ];
    const report = detectDrift({ features });
    expect(report.features.map((f) => [f.method, f.drifted])).toEqual([
      ['WASSERSTEIN_NORMED', true],
      ['WASSERSTEIN_NORMED', false],
      ['WASSERSTEIN_NORMED', false],
      ['WASSERSTEIN_NORMED', false],
      ['JENSEN_SHANNON', false],
    ]);
    expect(report.dataset).toMatchObject({ sampleSize: 100_000, driftedCount: 1, share: 0.2, drifted: false });
  });
});

describe('detectDrift input checks', () => {
  it('has Evidently-like defaults', () => {
    expect(DEFAULT_DRIFT_OPTIONS).toMatchObject({
      minSampleSize: 30,
      driftShareThreshold: 0.5,
      smallSampleLimit: 1000,
      pValueThreshold: 0.05,
      bonferroni: true,
      numericLargeSampleMethod: 'WASSERSTEIN_NORMED',
    });
  });

  it.each([{ pValueThreshold: 0 }, { driftShareThreshold: 1.5 }, { minSampleSize: 0 }, { psiBins: 2.5 }, { wassersteinThreshold: -1 }])(
    'rejects the option %j',
    (options) => {
      expect(() => detectDrift({ features: [] }, options)).toThrow(RangeError);
    },
  );

  it('rejects a feature listed twice and an unknown feature type', () => {
    const x = numeric('x', [1, 2, 3], [1, 2, 3]);
    expect(() => detectDrift({ features: [x, x] })).toThrow(/appears twice/);
    const odd = { feature: 'y', type: 'TEXT', reference: [], current: [] } as unknown as DriftColumn;
    expect(() => detectDrift({ features: [odd] })).toThrow(/unknown feature type TEXT/);
  });
});
