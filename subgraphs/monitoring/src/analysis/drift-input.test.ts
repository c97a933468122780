import { computeReferenceProfile, mulberry32 } from '@modelplane/ml';
import { detectDrift, ks2Samp } from '@modelplane/stats';
import type { MonitoredFeature } from '../clients/registry-client';
import { buildDriftInput, predictionType, profileReference, toColumns, type WindowRow } from './drift-input';

const features: MonitoredFeature[] = [
  { name: 'tenure', type: 'NUMERIC', categories: null },
  { name: 'spend', type: 'NUMERIC', categories: null },
  { name: 'plan', type: 'CATEGORICAL', categories: ['basic', 'pro', 'enterprise'] },
];

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Seeded rows; `shift` moves tenure, `plans` sets the plan mix. */
function rows(seed: number, n: number, shift = 0, plans = [0.5, 0.3, 0.2]): WindowRow[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const u = random();
    const plan = u < plans[0]! ? 'basic' : u < plans[0]! + plans[1]! ? 'pro' : 'enterprise';
    return { features: { tenure: gaussian(random) + shift, spend: gaussian(random), plan }, label: null, score: random() };
  });
}

describe('drift input from logged predictions', () => {
  it('turns rows into typed columns; wrong types and missing values become null', () => {
    const cols = toColumns(features, 'BINARY_CLASSIFICATION', [
      { features: { tenure: 1, spend: 'x', plan: 'pro' }, label: 'yes', score: 0.9 },
      { features: { tenure: null, plan: 2 }, label: 'no', score: 0.1 },
      { features: null, label: null, score: null },
    ]);
    expect(cols).toEqual({
      features: { tenure: [1, null, null], spend: [null, null, null], plan: ['pro', '2', null] },
      prediction: [0.9, 0.1, null],
    });
    expect(predictionType('MULTICLASS_CLASSIFICATION')).toBe('CATEGORICAL');
    expect(toColumns(features, 'MULTICLASS_CLASSIFICATION', [{ features: {}, label: 'b', score: 0.7 }]).prediction).toEqual(['b']);
  });

  it('against a baseline window: KS with Bonferroni flags the shifted feature only, chi-square the categorical one', () => {
    const baseline = toColumns(features, 'BINARY_CLASSIFICATION', rows(1, 300));
    const current = toColumns(features, 'BINARY_CLASSIFICATION', rows(2, 300, 1));
    const input = buildDriftInput(features, 'BINARY_CLASSIFICATION', { kind: 'BASELINE', baseline }, current);
    const report = detectDrift(input);
    const [tenure, spend, plan] = report.features;
    expect(tenure).toMatchObject({ method: 'KS', drifted: true });
    // Three tested features: alpha 0.05 / 3.
    expect(tenure!.threshold).toBeCloseTo(0.05 / 3, 15);
    expect(tenure!.pValue).toBe(ks2Samp(baseline.features.tenure as number[], current.features.tenure as number[]).pValue);
    expect(spend).toMatchObject({ method: 'KS', drifted: false });
    expect(plan).toMatchObject({ method: 'CHI_SQUARE', drifted: false });
    expect(report.prediction).toMatchObject({ feature: 'prediction', method: 'KS', drifted: false });

    const planShift = toColumns(features, 'BINARY_CLASSIFICATION', rows(3, 300, 0, [0.1, 0.2, 0.7]));
    const moved = detectDrift(buildDriftInput(features, 'BINARY_CLASSIFICATION', { kind: 'BASELINE', baseline }, planShift));
    expect(moved.features.map((f) => f.drifted)).toEqual([false, false, true]);
  });

  it('reads a packages/ml reference profile: histogram and sample for numeric, category counts from the sample', () => {
    const training = rows(4, 5000);
    const matrix = training.map((r) => [
      r.features!.tenure as number,
      r.features!.spend as number,
      ['basic', 'pro', 'enterprise'].indexOf(r.features!.plan as string),
    ]);
    const profile = JSON.parse(JSON.stringify(computeReferenceProfile(matrix, ['tenure', 'spend', 'plan'], { sampleSize: 1000, seed: 1 })));
    const reference = profileReference(profile, features)!;
    expect(reference.rowCount).toBe(5000);
    const plan = reference.columns.get('plan') as { counts: Record<string, number> };
    expect(Object.keys(plan.counts).sort()).toEqual(['basic', 'enterprise', 'pro']);
    expect(Object.values(plan.counts).reduce((a, b) => a + b, 0)).toBe(1000);

    const current = toColumns(features, 'BINARY_CLASSIFICATION', rows(7, 2000, 0.5));
    const report = detectDrift(
      buildDriftInput(features, 'BINARY_CLASSIFICATION', { kind: 'PROFILE', profile: reference, baseline: null }, current),
    );
    // A 5000-row reference is large: distances rather than tests, and no prediction drift without a baseline.
    expect(report.features.map((f) => [f.method, f.drifted])).toEqual([
      ['WASSERSTEIN_NORMED', true],
      ['WASSERSTEIN_NORMED', false],
      ['CHI_SQUARE', false],
    ]);
    expect(report.prediction).toBeNull();
  });

  it('refuses a profile that misses a feature or is not a profile', () => {
    const matrix = rows(6, 100).map((r) => [r.features!.tenure as number]);
    expect(profileReference(computeReferenceProfile(matrix, ['tenure']), features)).toBeNull();
    expect(profileReference({ nope: true }, features)).toBeNull();
    expect(profileReference(null, features)).toBeNull();
  });
});
