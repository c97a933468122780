import { loadRainTomorrowSplit, toMatrix } from '../datasets/weather-dataset';
import { mulberry32 } from '../random';
import { LogisticRegression } from './logistic-regression';

const { X, y } = toMatrix(loadRainTomorrowSplit('Seattle').train.rows);

// Same objective minimised with scipy.optimize.minimize (BFGS, gtol 1e-12) on the Seattle
// 2012–2014 split: standardised coefficients, then the intercept.
const SCIPY_L2_1E4 = [
  0.6238146360763067, -1.097119155600149, 1.221368864821013, -0.035998426362936785, 0.3772002137209925, 0.6785126485338866,
  -0.2787773411086234,
];
const SCIPY_BALANCED_L2_01 = [
  0.4264468521352377, -0.3316065756725788, 0.14303896143837092, 0.07590242890868744, 0.11812179487464292, 0.29845019767026576,
  -0.02519499750469109,
];

function thetaOf(model: LogisticRegression): number[] {
  const state = model.toState();
  return [...state.coefficients, state.intercept];
}

describe('logistic regression', () => {
  it('finds the same optimum as SciPy with the Newton solver', () => {
    const model = new LogisticRegression().fit(X, y, { l2: 1e-4 });
    thetaOf(model).forEach((v, j) => expect(v).toBeCloseTo(SCIPY_L2_1E4[j], 6));
    expect(model.trainingSummary.converged).toBe(true);
    expect(model.trainingSummary.loss).toBeCloseTo(0.5546055720331574, 12);
    expect(model.toState().mean[1]).toBeCloseTo(16.121461187214614, 12);
    expect(model.toState().std[1]).toBeCloseTo(7.322689182285821, 12);
  });

  it('weighs classes inversely to their frequency with classWeight "balanced"', () => {
    const model = new LogisticRegression().fit(X, y, { l2: 0.1, classWeight: 'balanced' });
    thetaOf(model).forEach((v, j) => expect(v).toBeCloseTo(SCIPY_BALANCED_L2_01[j], 6));
  });

  it('reaches the same optimum by gradient descent, more slowly', () => {
    const newton = new LogisticRegression().fit(X, y, { l2: 0.01 });
    const gd = new LogisticRegression().fit(X, y, {
      l2: 0.01,
      solver: 'gradient-descent',
      learningRate: 1,
      maxIter: 5000,
      tolerance: 1e-7,
    });
    thetaOf(gd).forEach((v, j) => expect(v).toBeCloseTo(thetaOf(newton)[j], 4));
    expect(gd.trainingSummary.iterations).toBeGreaterThan(newton.trainingSummary.iterations);
  });

  it('reports progress as training advances and finishes at 1', () => {
    const calls: [number, number][] = [];
    new LogisticRegression().fit(X, y, { solver: 'gradient-descent', maxIter: 20, tolerance: 0 }, (fraction, info) =>
      calls.push([fraction, info.loss]),
    );
    expect(calls).toHaveLength(20);
    expect(calls[calls.length - 1][0]).toBe(1);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i][0]).toBeGreaterThan(calls[i - 1][0]);
      expect(calls[i][1]).toBeLessThanOrEqual(calls[i - 1][1]);
    }
    const newtonCalls: number[] = [];
    new LogisticRegression().fit(X, y, {}, (fraction) => newtonCalls.push(fraction));
    expect(newtonCalls[newtonCalls.length - 1]).toBe(1);
  });

  it('predicts probabilities from the raw coefficients identically to the standardised ones', () => {
    const model = new LogisticRegression().fit(X, y);
    const { weights, intercept } = model.rawCoefficients();
    const p = model.predictProba(X.slice(0, 50));
    X.slice(0, 50).forEach((row, i) => {
      const m = intercept + row.reduce((s, v, j) => s + v * weights[j], 0);
      expect(1 / (1 + Math.exp(-m))).toBeCloseTo(p[i], 12);
    });
    expect(Array.from(model.predict(X.slice(0, 50)))).toEqual(Array.from(p, (v) => (v >= 0.5 ? 1 : 0)));
  });

  it('separates synthetic data with a known direction', () => {
    const random = mulberry32(11);
    const Xs: number[][] = [];
    const ys: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = random() * 4 - 2;
      const b = random() * 4 - 2;
      Xs.push([a, b, 7]); // a constant column must not break standardisation
      ys.push(1 / (1 + Math.exp(-(3 * a - 2 * b))) > random() ? 1 : 0);
    }
    const { weights } = new LogisticRegression().fit(Xs, ys, { l2: 0 }).rawCoefficients();
    expect(weights[0]).toBeGreaterThan(2);
    expect(weights[1]).toBeLessThan(-1.2);
    expect(weights[2]).toBe(0);
  });

  it('round-trips through its JSON state', () => {
    const model = new LogisticRegression().fit(X, y);
    const copy = LogisticRegression.fromState(JSON.parse(JSON.stringify(model.toState())));
    expect(Array.from(copy.predictProba(X))).toEqual(Array.from(model.predictProba(X)));
    expect(copy.params).toEqual(model.params);
  });

  it('rejects bad input and use before training', () => {
    expect(() => new LogisticRegression().predictProba(X)).toThrow('not trained');
    expect(() => new LogisticRegression().fit([[1], [2]], [0, 2])).toThrow('expected 0 or 1');
    expect(() => new LogisticRegression().fit([[1], [2, 3]], [0, 1])).toThrow('row 1 has 2 features');
    expect(() => new LogisticRegression().fit([[1], [NaN]], [0, 1])).toThrow('not a finite number');
    expect(() => new LogisticRegression().fit([[1]], [0, 1])).toThrow('1 rows but y has 2');
    expect(() => new LogisticRegression().fit([[1], [2]], [0, 1], { learningRate: 0 })).toThrow('learningRate');
    const model = new LogisticRegression().fit(X, y);
    expect(() => model.predictProba([[1, 2]])).toThrow('expected 6');
  });
});
