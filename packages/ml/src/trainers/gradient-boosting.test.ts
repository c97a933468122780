import { loadRainTomorrowSplit, toMatrix } from '../datasets/weather-dataset';
import { logLoss, rocAuc } from '../evaluation/metrics';
import { mulberry32 } from '../random';
import { GradientBoostingClassifier, type RegressionTree } from './gradient-boosting';
import { LogisticRegression } from './logistic-regression';

const { X, y } = toMatrix(loadRainTomorrowSplit('Seattle').train.rows);

function leafOf(tree: RegressionTree, row: readonly number[]): number {
  let node = 0;
  while (tree.feature[node] >= 0) node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  return node;
}

describe('gradient-boosted trees', () => {
  it('fits a hand-computed Newton stump', () => {
    // base score log(0.5/0.5) = 0, p = 0.5: gradients ±0.5, hessians 0.25; the best cut is 2.5 and
    // the leaves are −G/H = −(0.5+0.5)/(0.25+0.25) = −2 and +2.
    const model = new GradientBoostingClassifier().fit([[1], [2], [3], [4]], [0, 0, 1, 1], {
      rounds: 1,
      maxDepth: 1,
      learningRate: 1,
      l2: 0,
      minSamplesLeaf: 1,
    });
    expect(model.baseScore).toBe(0);
    expect(model.trees).toEqual([
      { feature: [0, -1, -1], threshold: [2.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, -2, 2] },
    ]);
    expect(Array.from(model.decisionFunction([[0], [2.5], [2.5000001], [9]]))).toEqual([-2, -2, 2, 2]);
  });

  it('shrinks leaves by the L2 penalty and the learning rate, starting from the log-odds of the base rate', () => {
    const model = new GradientBoostingClassifier().fit([[1], [2], [3], [4]], [0, 0, 0, 1], {
      rounds: 1,
      maxDepth: 1,
      learningRate: 0.5,
      l2: 1,
      minSamplesLeaf: 1,
    });
    expect(model.baseScore).toBeCloseTo(-Math.log(3), 15);
    // p = 0.25 everywhere: g = 0.25 (negatives), −0.75 (positive); h = 0.1875. Best cut 3.5.
    const [tree] = model.trees;
    expect(tree.threshold[0]).toBe(3.5);
    expect(tree.value[1]).toBeCloseTo((0.5 * -0.75) / (0.5625 + 1), 15);
    expect(tree.value[2]).toBeCloseTo((0.5 * 0.75) / (0.1875 + 1), 15);
  });

  it('learns an interaction a linear model cannot', () => {
    const random = mulberry32(5);
    const Xs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 600; i++) {
      const a = random() * 2 - 1;
      const b = random() * 2 - 1;
      Xs.push([a, b]);
      ys.push(a * b > 0 ? 1 : 0);
    }
    const gbt = new GradientBoostingClassifier().fit(Xs, ys, { rounds: 50, maxDepth: 2, learningRate: 0.3, minSamplesLeaf: 5 });
    const linear = new LogisticRegression().fit(Xs, ys);
    expect(rocAuc(ys, gbt.predictProba(Xs))).toBeGreaterThan(0.97);
    expect(rocAuc(ys, linear.predictProba(Xs))).toBeLessThan(0.6);
  });

  it('predicts from raw values exactly as it split the binned training data', () => {
    const losses: number[] = [];
    const model = new GradientBoostingClassifier().fit(X, y, { rounds: 30, maxBins: 8 }, (_, info) => losses.push(info.loss));
    expect(logLoss(y, model.predictProba(X))).toBeCloseTo(losses[losses.length - 1], 12);
    const tempMaxCuts = new Set(model.trees.flatMap((t) => t.threshold.filter((_, n) => t.feature[n] === 1)));
    expect(tempMaxCuts.size).toBeLessThanOrEqual(7);
  });

  it('keeps at least minSamplesLeaf training rows in every leaf', () => {
    const model = new GradientBoostingClassifier().fit(X, y, { rounds: 20, maxDepth: 4, minSamplesLeaf: 40 });
    for (const tree of model.trees) {
      const counts = new Map<number, number>();
      for (const row of X) counts.set(leafOf(tree, row), (counts.get(leafOf(tree, row)) ?? 0) + 1);
      for (const count of counts.values()) expect(count).toBeGreaterThanOrEqual(40);
    }
  });

  it('is deterministic for a seed and varies with the seed when subsampling', () => {
    const params = { rounds: 15, subsample: 0.7, seed: 3 };
    const a = new GradientBoostingClassifier().fit(X, y, params).toState();
    const b = new GradientBoostingClassifier().fit(X, y, params).toState();
    const c = new GradientBoostingClassifier().fit(X, y, { ...params, seed: 4 }).toState();
    expect(b).toEqual(a);
    expect(c.trees).not.toEqual(a.trees);
  });

  it('reports progress once per round, ending at 1 with a falling training loss', () => {
    const calls: { fraction: number; step: number; loss: number }[] = [];
    new GradientBoostingClassifier().fit(X, y, { rounds: 10 }, (fraction, info) =>
      calls.push({ fraction, step: info.step, loss: info.loss }),
    );
    expect(calls.map((c) => c.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(calls[9].fraction).toBe(1);
    expect(calls[9].loss).toBeLessThan(calls[0].loss);
  });

  it('ranks precipitation and temperature as the useful features', () => {
    const importances = new GradientBoostingClassifier().fit(X, y).featureImportances();
    expect(importances.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(importances[0] + importances[1] + importances[2]).toBeGreaterThan(0.5);
  });

  it('round-trips through its JSON state and rejects bad parameters', () => {
    const model = new GradientBoostingClassifier().fit(X, y, { rounds: 5 });
    const copy = GradientBoostingClassifier.fromState(JSON.parse(JSON.stringify(model.toState())));
    expect(Array.from(copy.predictProba(X))).toEqual(Array.from(model.predictProba(X)));
    expect(() => new GradientBoostingClassifier().fit(X, y, { subsample: 0 })).toThrow('subsample');
    expect(() => new GradientBoostingClassifier().fit(X, y, { maxDepth: 1.5 })).toThrow('maxDepth');
    expect(() => new GradientBoostingClassifier().predict(X)).toThrow('not trained');
  });
});
