import { loadRainTomorrowSplit, toMatrix } from '../datasets/weather-dataset';
import { GradientBoostingClassifier, type GradientBoostingParams } from '../trainers/gradient-boosting';
import { hyperparameterSearch } from '../trainers/hyperparameter-search';
import { LogisticRegression } from '../trainers/logistic-regression';
import { evaluateBinaryClassifier, majorityClassBaseline } from './metrics';

// End-to-end: train on Seattle 2012–2014, evaluate once on Seattle 2015. The expected figures are
// the honest held-out results of the default parameters; they also guard against regressions.
const { train, test } = loadRainTomorrowSplit('Seattle');
const trainM = toMatrix(train.rows);
const testM = toMatrix(test.rows);
const baseline = majorityClassBaseline(trainM.y, testM.y);

describe('rain tomorrow in Seattle, 2015 held out', () => {
  it('has a majority baseline of "dry" with 60% accuracy', () => {
    expect(baseline.majorityClass).toBe(0);
    expect(baseline.accuracy).toBeCloseTo(220 / 364, 12);
    expect(baseline.rocAuc).toBe(0.5);
    expect(baseline.logLoss).toBeCloseTo(0.6748, 4);
  });

  it('logistic regression beats the baseline on every metric', () => {
    const report = evaluateBinaryClassifier(testM.y, new LogisticRegression().fit(trainM.X, trainM.y).predictProba(testM.X));
    expect(report.rocAuc).toBeCloseTo(0.7727, 4);
    expect(report.accuracy).toBeCloseTo(0.728, 3);
    expect(report.logLoss).toBeCloseTo(0.5616, 4);
    expect(report.accuracy).toBeGreaterThan(baseline.accuracy + 0.1);
    expect(report.logLoss).toBeLessThan(baseline.logLoss - 0.1);
  });

  it('gradient boosting beats the baseline on every metric', () => {
    const report = evaluateBinaryClassifier(testM.y, new GradientBoostingClassifier().fit(trainM.X, trainM.y).predictProba(testM.X));
    expect(report.rocAuc).toBeCloseTo(0.7697, 4);
    expect(report.accuracy).toBeCloseTo(0.706, 3);
    expect(report.logLoss).toBeCloseTo(0.5636, 4);
    expect(report.accuracy).toBeGreaterThan(baseline.accuracy + 0.08);
    expect(report.logLoss).toBeLessThan(baseline.logLoss - 0.1);
  });

  it('tuning gradient boosting by cross-validation on the training years helps on 2015', () => {
    const search = hyperparameterSearch<GradientBoostingParams>(trainM.X, trainM.y, {
      createModel: () => new GradientBoostingClassifier(),
      space: { maxDepth: [1, 2, 3], rounds: [50, 150] },
      baseParams: { minSamplesLeaf: 40 },
      metric: 'logLoss',
      folds: 3,
      seed: 1,
    });
    const tuned = new GradientBoostingClassifier().fit(trainM.X, trainM.y, search.bestParams);
    const report = evaluateBinaryClassifier(testM.y, tuned.predictProba(testM.X));
    expect(report.logLoss).toBeLessThan(0.56);
    expect(report.rocAuc).toBeGreaterThan(0.77);
  });

  it('degrades on New York, the drifted population', () => {
    const ny = toMatrix(loadRainTomorrowSplit('New York').test.rows);
    const nyBaseline = majorityClassBaseline(trainM.y, ny.y);
    const model = new LogisticRegression().fit(trainM.X, trainM.y);
    const report = evaluateBinaryClassifier(ny.y, model.predictProba(ny.X));
    // AUC 0.61 instead of 0.77, and no better than predicting "dry" every day.
    expect(report.rocAuc).toBeCloseTo(0.6101, 4);
    expect(report.accuracy).toBeLessThan(nyBaseline.accuracy);
    expect(report.logLoss).toBeGreaterThan(nyBaseline.logLoss);
  });
});
