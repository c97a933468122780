import { loadRainTomorrowSplit, toMatrix } from './datasets/weather-dataset';
import { computeReferenceProfile, histogramCounts, quantileBinEdges, quantileSorted } from './profile';

const { train } = loadRainTomorrowSplit('Seattle');

describe('reference profile', () => {
  const profile = computeReferenceProfile(train.rows, train.featureNames, { seed: 1 });
  const byName = (name: string) => profile.features.find((f) => f.name === name)!;

  it('summarises every feature like NumPy does', () => {
    expect(profile.rowCount).toBe(1095);
    expect(profile.featureNames).toEqual(train.featureNames);
    const tempMax = byName('temp_max');
    expect(tempMax.count).toBe(1095);
    expect(tempMax.mean).toBeCloseTo(16.121461187214614, 12);
    expect(tempMax.std).toBeCloseTo(7.326035167921833, 12); // ddof = 1
    expect(tempMax.min).toBe(-1.6);
    expect(tempMax.max).toBe(35.6);
    // numpy.quantile(x, linspace(0, 1, 11))
    const deciles = [-1.6, 7.2, 9.4, 11.1, 13.3, 15.0, 17.8, 20.6, 23.3, 26.1, 35.6];
    tempMax.quantiles.forEach((q, i) => expect(q).toBeCloseTo(deciles[i], 10));
  });

  it('bins each feature at its training deciles, merging repeated edges', () => {
    // numpy.histogram(x, bins=numpy.unique(deciles))
    const precipitation = byName('precipitation');
    expect(precipitation.histogram.edges).toHaveLength(6);
    [0, 0.5, 1.8, 4.3, 10.2, 54.1].forEach((e, i) => expect(precipitation.histogram.edges[i]).toBeCloseTo(e, 10));
    expect(precipitation.histogram.counts).toEqual([656, 100, 115, 114, 110]);
    expect(byName('temp_max').histogram.counts).toEqual([97, 109, 92, 137, 98, 113, 110, 115, 100, 124]);
  });

  it('samples the same 1000 rows for every feature, fixed by the seed', () => {
    expect(profile.sample).toEqual({ seed: 1, size: 1000 });
    const { X } = toMatrix(train.rows);
    const wind = byName('wind').sample;
    const precipitation = byName('precipitation').sample;
    expect(wind).toHaveLength(1000);
    // Same rows: each (precipitation, wind) pair is a real row.
    const pairs = new Set(X.map((r) => `${r[0]}|${r[3]}`));
    precipitation.forEach((p, i) => expect(pairs.has(`${p}|${wind[i]}`)).toBe(true));
    expect(computeReferenceProfile(train.rows, train.featureNames, { seed: 1 })).toEqual(profile);
    expect(computeReferenceProfile(train.rows, train.featureNames, { seed: 2 }).features[3].sample).not.toEqual(wind);
    expect(computeReferenceProfile(train.rows.slice(0, 10), train.featureNames).features[0].sample).toHaveLength(10);
  });

  it('records the label rate when rows carry labels, and accepts a bare matrix', () => {
    expect(profile.label).toEqual({ count: 1095, positives: 479, positiveRate: 479 / 1095 });
    const fromMatrix = computeReferenceProfile(toMatrix(train.rows).X, train.featureNames, { seed: 1 });
    expect(fromMatrix.label).toBeUndefined();
    expect(fromMatrix.features).toEqual(profile.features);
  });

  it('survives a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  it('rejects feature names that do not match the rows', () => {
    expect(() => computeReferenceProfile(train.rows, ['a'])).toThrow('expected 1');
  });
});

describe('histogram helpers', () => {
  it('counts values outside the training range in the end bins', () => {
    expect(histogramCounts([-5, 0, 0.5, 1, 1.5, 2, 99], [0, 1, 2])).toEqual([3, 4]);
  });

  it('gives a constant feature one degenerate bin', () => {
    const edges = quantileBinEdges([3, 3, 3], 10);
    expect(edges).toEqual([3, 3]);
    expect(histogramCounts([3, 3, 4], edges)).toEqual([3]);
  });

  it('interpolates quantiles linearly between order statistics', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 1 / 3)).toBeCloseTo(2, 12);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});
