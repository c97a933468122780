import { chiSquareContingency, chiSquareHomogeneity } from './chi-square-test';

// Reference values from scipy 1.17.1: stats.chi2_contingency(table, correction=False).

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('chiSquareContingency', () => {
  it.each([
    [
      '2×3',
      [
        [10, 20, 30],
        [15, 25, 20],
      ],
      3.5555555555555554,
      0.16901331540606607,
      2,
    ],
    [
      '2×2 without Yates correction',
      [
        [12, 5],
        [7, 9],
      ],
      2.4305755196815575,
      0.118989205532145,
      1,
    ],
    [
      '3×4',
      [
        [20, 15, 30, 5],
        [25, 10, 28, 12],
        [18, 22, 19, 9],
      ],
      11.050780328101085,
      0.08681962681672524,
      6,
    ],
    [
      '2×4 with categories seen on one side only',
      [
        [0, 5, 10, 7],
        [3, 0, 12, 9],
      ],
      8.36066632231405,
      0.039117248887243654,
      3,
    ],
    [
      '2×2 with a tiny p-value',
      [
        [500, 100],
        [100, 500],
      ],
      533.3333333333334,
      5.318244953897286e-118,
      1,
    ],
    [
      '2×4 with unequal row totals',
      [
        [480, 310, 150, 60],
        [52, 30, 12, 6],
      ],
      0.8857191999606852,
      0.8288726556635052,
      3,
    ],
  ])('matches scipy chi2_contingency on a %s table', (_name, table, statistic, pValue, dof) => {
    const result = chiSquareContingency(table);
    expectRelativelyClose(result.statistic, statistic, 1e-12);
    expectRelativelyClose(result.pValue, pValue, 1e-10);
    expect(result.dof).toBe(dof);
  });

  it('returns the expected frequencies under independence', () => {
    const { expected } = chiSquareContingency([
      [10, 5],
      [8, 9],
    ]);
    expect(expected).toEqual([
      [8.4375, 6.5625],
      [9.5625, 7.4375],
    ]);
  });

  it('rejects a zero expected cell like scipy', () => {
    expect(() =>
      chiSquareContingency([
        [10, 0, 5],
        [8, 0, 9],
      ]),
    ).toThrow(/expected frequency is zero/);
  });

  it('gives statistic 0 and p-value 1 when there are no degrees of freedom', () => {
    expect(chiSquareContingency([[10], [8]])).toMatchObject({ statistic: 0, pValue: 1, dof: 0 });
  });

  it('rejects negative counts and ragged tables', () => {
    expect(() =>
      chiSquareContingency([
        [1, -1],
        [2, 3],
      ]),
    ).toThrow(RangeError);
    expect(() => chiSquareContingency([[1, 2], [3]])).toThrow(RangeError);
  });
});

describe('chiSquareHomogeneity', () => {
  it('drops categories absent from both sides instead of failing on a zero expected cell', () => {
    // Same as chi2_contingency([[10, 5], [8, 9]]): 1.2449424214130096, p 0.26452065042882195
    const result = chiSquareHomogeneity([10, 0, 5], [8, 0, 9]);
    expectRelativelyClose(result.statistic, 1.2449424214130096, 1e-12);
    expectRelativelyClose(result.pValue, 0.26452065042882195, 1e-10);
    expect(result.dof).toBe(1);
  });

  it('keeps a category that appears only in the current data', () => {
    const result = chiSquareHomogeneity([0, 5, 10, 7], [3, 0, 12, 9]);
    expectRelativelyClose(result.pValue, 0.039117248887243654, 1e-10);
  });

  it('rejects an empty side and mismatched lengths', () => {
    expect(() => chiSquareHomogeneity([0, 0], [3, 4])).toThrow(RangeError);
    expect(() => chiSquareHomogeneity([1, 2], [3])).toThrow(RangeError);
  });
});
