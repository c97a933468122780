import { deriveSeed, mulberry32, sampleIndices, shuffleInPlace } from './random';

describe('seeded random numbers', () => {
  it('repeats the same stream for the same seed and differs for another seed', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
    for (const v of first) expect(v >= 0 && v < 1).toBe(true);
  });

  it('draws roughly uniform numbers', () => {
    const random = mulberry32(1);
    let sum = 0;
    for (let i = 0; i < 10000; i++) sum += random();
    expect(sum / 10000).toBeCloseTo(0.5, 1);
  });

  it('shuffles to a permutation of the input', () => {
    const shuffled = shuffleInPlace(
      Array.from({ length: 50 }, (_, i) => i),
      mulberry32(3),
    );
    expect([...shuffled].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffled).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('samples distinct ascending indices, capped at the population size', () => {
    const sample = sampleIndices(100, 10, mulberry32(5));
    expect(sample).toHaveLength(10);
    expect(new Set(sample).size).toBe(10);
    expect([...sample].sort((x, y) => x - y)).toEqual(sample);
    expect(sampleIndices(4, 10, mulberry32(5))).toEqual([0, 1, 2, 3]);
    expect(sampleIndices(100, 10, mulberry32(5))).toEqual(sample);
  });

  it('derives distinct child seeds per stream', () => {
    expect(new Set([0, 1, 2, 3].map((s) => deriveSeed(42, s))).size).toBe(4);
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
  });
});
