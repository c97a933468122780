import { alignCategoryCounts, categoryCounts, histogramCounts, quantileBinEdges } from './binning';

describe('quantileBinEdges', () => {
  const reference = [5, 1, 3, 2, 4, 8, 7, 6, 9, 10];

  it('matches numpy.quantile(reference, linspace(0, 1, bins + 1))', () => {
    expect(quantileBinEdges(reference, 4)).toEqual([1, 3.25, 5.5, 7.75, 10]);
    const deciles = quantileBinEdges(reference);
    expect(deciles).toHaveLength(11);
    [1.0, 1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.300000000000001, 8.2, 9.1, 10.0].forEach((edge, i) => expect(deciles[i]).toBeCloseTo(edge, 13));
  });

  it('merges edges repeated by tied values', () => {
    // numpy.quantile([1,1,1,1,1,1,2,3,4,5], [0, .25, .5, .75, 1]) = [1, 1, 1, 2.75, 5]
    expect(quantileBinEdges([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], 4)).toEqual([1, 2.75, 5]);
  });

  it('gives one degenerate bin for a constant sample', () => {
    expect(quantileBinEdges([3, 3, 3], 5)).toEqual([3, 3]);
  });

  it('rejects an empty sample and a non-positive bin count', () => {
    expect(() => quantileBinEdges([], 4)).toThrow(RangeError);
    expect(() => quantileBinEdges([1, 2], 0)).toThrow(RangeError);
  });
});

describe('histogramCounts', () => {
  const edges = [1, 3.25, 5.5, 7.75, 10];

  it('matches numpy.histogram inside the edges, last bin closed', () => {
    // np.histogram(1..10, bins=edges) → [3, 2, 2, 3]
    expect(histogramCounts([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], edges)).toEqual([3, 2, 2, 3]);
  });

  it('puts values outside the edges into the edge bins and skips NaN', () => {
    expect(histogramCounts([-100, 0.99, 10.01, 1e9, NaN], edges)).toEqual([2, 0, 0, 2]);
  });

  it('counts a value on an inner edge in the bin to its right', () => {
    expect(histogramCounts([3.25, 5.5], edges)).toEqual([0, 1, 1, 0]);
  });

  it('accepts a degenerate single bin', () => {
    expect(histogramCounts([1, 3, 5], [3, 3])).toEqual([3]);
  });

  it('rejects fewer than two edges and descending edges', () => {
    expect(() => histogramCounts([1], [1])).toThrow(RangeError);
    expect(() => histogramCounts([1], [2, 1])).toThrow(RangeError);
  });
});

describe('categoryCounts', () => {
  it('counts values as strings and skips missing ones', () => {
    const counts = categoryCounts(['a', 'b', 'a', null, undefined, NaN, 1, '1', true]);
    expect([...counts]).toEqual([
      ['a', 2],
      ['b', 1],
      ['1', 2],
      ['true', 1],
    ]);
  });

  it('aligns two count maps on the union of categories', () => {
    const aligned = alignCategoryCounts(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
      new Map([
        ['c', 2],
        ['a', 5],
      ]),
    );
    expect(aligned).toEqual({ categories: ['a', 'b', 'c'], reference: [3, 1, 0], current: [5, 0, 2] });
  });
});
