import { canonicalJson } from '../canonical-json';
import { datasetDigest } from './dataset-digest';
import { loadRainTomorrowSplit } from './weather-dataset';

describe('canonical JSON', () => {
  it('sorts keys at every level and writes numbers in shortest round-trip form', () => {
    expect(canonicalJson({ b: [1, 0.1, -0, 1e21], a: { d: 'x', c: null }, e: undefined })).toBe(
      '{"a":{"c":null,"d":"x"},"b":[1,0.1,0,1e+21]}',
    );
    expect(canonicalJson(Float64Array.from([0.5, 2]))).toBe('[0.5,2]');
  });

  it('refuses values without a canonical form', () => {
    expect(() => canonicalJson(NaN)).toThrow('no canonical form');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('cannot encode a function');
  });
});

describe('dataset digest', () => {
  const tiny = {
    featureNames: ['a', 'b'],
    rows: [
      { features: [1, 0.5], label: 1 as const, date: '2020-01-01' },
      { features: [2, -3], label: 0 as const, date: '2020-01-02' },
    ],
  };

  it('matches sha256 of the documented canonical form', () => {
    // python3: hashlib.sha256(json.dumps({"featureNames":["a","b"],"rows":[{"date":"2020-01-01","features":[1,0.5],"label":1},
    //   {"date":"2020-01-02","features":[2,-3],"label":0}]}, sort_keys=True, separators=(",",":")).encode()).hexdigest()
    expect(datasetDigest(tiny)).toBe('1c6b7409d24e263074bfc40f46934f8b39d29938362db0d697fc226874f623a4');
  });

  it('is equal for equal content regardless of name or key order, and changes with any value', () => {
    const reordered = {
      rows: tiny.rows.map((r) => ({ date: r.date, label: r.label, features: [...r.features] })),
      featureNames: ['a', 'b'],
    };
    expect(datasetDigest(reordered)).toBe(datasetDigest(tiny));
    const changed = { ...tiny, rows: [tiny.rows[0], { ...tiny.rows[1], features: [2, -3.0000001] }] };
    expect(datasetDigest(changed)).not.toBe(datasetDigest(tiny));
    expect(datasetDigest({ ...tiny, rows: [...tiny.rows].reverse() })).not.toBe(datasetDigest(tiny));
  });

  it('is stable for the Seattle training split', () => {
    const a = loadRainTomorrowSplit('Seattle').train;
    const b = loadRainTomorrowSplit('Seattle').train;
    expect(datasetDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetDigest(a)).toBe(datasetDigest(b));
    expect(datasetDigest(a)).not.toBe(datasetDigest(loadRainTomorrowSplit('Seattle').test));
  });
});
