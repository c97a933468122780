import { mulberry32 } from '../random';
import { GradientBoostingClassifier, type GradientBoostingParams } from './gradient-boosting';
import { contiguousKFold, gridCandidates, hyperparameterSearch, randomCandidates, stratifiedKFold } from './hyperparameter-search';
import { LogisticRegression, type LogisticRegressionParams } from './logistic-regression';

function xorData(n: number, seed: number): { X: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    X.push([a, b]);
    y.push(a * b > 0 ? 1 : 0);
  }
  return { X, y };
}

describe('cross-validation folds', () => {
  const y = [...new Array<number>(30).fill(0), ...new Array<number>(20).fill(1)];

  it('partitions the rows into stratified folds fixed by the seed', () => {
    const folds = stratifiedKFold(y, 5, 1);
    expect(folds.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const fold of folds) {
      expect(fold).toHaveLength(10);
      expect(fold.filter((i) => y[i] === 1)).toHaveLength(4);
    }
    expect(stratifiedKFold(y, 5, 1)).toEqual(folds);
    expect(stratifiedKFold(y, 5, 2)).not.toEqual(folds);
  });

  it('refuses more folds than rows of a class', () => {
    expect(() => stratifiedKFold([0, 0, 0, 1], 2, 0)).toThrow('class 1 has 1 rows');
  });

  it('cuts contiguous blocks in row order', () => {
    expect(contiguousKFold(7, 3)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5, 6],
    ]);
  });
});

describe('candidates', () => {
  it('enumerates the grid, last parameter fastest', () => {
    expect(gridCandidates<GradientBoostingParams>({ maxDepth: [1, 2], learningRate: [0.1, 0.3] })).toEqual([
      { maxDepth: 1, learningRate: 0.1 },
      { maxDepth: 1, learningRate: 0.3 },
      { maxDepth: 2, learningRate: 0.1 },
      { maxDepth: 2, learningRate: 0.3 },
    ]);
  });

  it('draws distinct random candidates from lists and ranges, fixed by the seed', () => {
    const space = {
      maxDepth: { min: 1, max: 6, integer: true },
      learningRate: { min: 0.01, max: 1, scale: 'log' as const },
      subsample: [0.5, 1],
    };
    const a = randomCandidates<GradientBoostingParams>(space, 8, 9);
    expect(a).toHaveLength(8);
    expect(randomCandidates<GradientBoostingParams>(space, 8, 9)).toEqual(a);
    for (const c of a) {
      expect(Number.isInteger(c.maxDepth)).toBe(true);
      expect(c.learningRate).toBeGreaterThanOrEqual(0.01);
      expect(c.learningRate).toBeLessThanOrEqual(1);
      expect([0.5, 1]).toContain(c.subsample);
    }
    expect(randomCandidates<GradientBoostingParams>({ maxDepth: [1, 2] }, 10, 0)).toHaveLength(2);
  });

  it('rejects ranges in a grid', () => {
    expect(() => gridCandidates<GradientBoostingParams>({ maxDepth: { min: 1, max: 3 } })).toThrow('needs a list');
  });
});

describe('hyper-parameter search', () => {
  const { X, y } = xorData(300, 4);

  it('picks the tree depth that can express an interaction', () => {
    const fractions: number[] = [];
    const result = hyperparameterSearch<GradientBoostingParams>(X, y, {
      createModel: () => new GradientBoostingClassifier(),
      space: { maxDepth: [1, 2] },
      baseParams: { rounds: 30, learningRate: 0.3, minSamplesLeaf: 5 },
      folds: 3,
      seed: 7,
      onProgress: (fraction) => fractions.push(fraction),
    });
    expect(result.bestParams).toEqual({ rounds: 30, learningRate: 0.3, minSamplesLeaf: 5, maxDepth: 2 });
    expect(result.candidates.map((c) => c.rank)).toEqual([2, 1]);
    expect(result.candidates[1].foldScores).toHaveLength(3);
    expect(result.bestScore).toBeGreaterThan(0.9);
    expect(result.candidates[0].meanScore).toBeLessThan(0.75);
    expect(fractions).toHaveLength(6);
    expect(fractions[5]).toBe(1);
  });

  it('gives identical results for the same seed', () => {
    const run = () =>
      hyperparameterSearch<LogisticRegressionParams>(X, y, {
        createModel: () => new LogisticRegression(),
        space: { l2: { min: 1e-4, max: 10, scale: 'log' } },
        strategy: 'random',
        iterations: 3,
        metric: 'logLoss',
        seed: 1,
      });
    const a = run();
    expect(run()).toEqual(a);
    expect(a.greaterIsBetter).toBe(false);
    const best = a.candidates.find((c) => c.rank === 1)!;
    for (const c of a.candidates) expect(best.meanScore).toBeLessThanOrEqual(c.meanScore);
  });

  it('supports contiguous folds and accuracy as the metric', () => {
    const result = hyperparameterSearch<LogisticRegressionParams>(X, y, {
      createModel: () => new LogisticRegression(),
      space: { l2: [0.01, 1] },
      shuffle: false,
      folds: 4,
      metric: 'accuracy',
    });
    expect(result.folds).toEqual(contiguousKFold(300, 4));
    expect(result.metric).toBe('accuracy');
    expect(result.bestScore).toBeGreaterThan(0);
  });
});
