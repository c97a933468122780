import {
  accuracy,
  averageRanks,
  brierScore,
  confusionMatrix,
  evaluateBinaryClassifier,
  f1Score,
  logLoss,
  majorityClassBaseline,
  precision,
  recall,
  rocAuc,
  thresholdPredictions,
} from './metrics';

// Reference values from NumPy/SciPy 1.17 (scipy.stats.mannwhitneyu U / (n₁·n₀), rankdata).
const y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0];
const scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.35, 0.6];

describe('threshold metrics', () => {
  const yPred = thresholdPredictions(scores); // [0,0,0,1,0,0,1,0,0,1]

  it('counts the confusion matrix', () => {
    expect(Array.from(yPred)).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    expect(confusionMatrix(y, yPred)).toEqual({ truePositives: 2, falsePositives: 1, trueNegatives: 4, falseNegatives: 3 });
  });

  it('computes accuracy, precision, recall and F1 by hand', () => {
    expect(accuracy(y, yPred)).toBe(0.6);
    expect(precision(y, yPred)).toBeCloseTo(2 / 3, 15);
    expect(recall(y, yPred)).toBe(0.4);
    expect(f1Score(y, yPred)).toBe(0.5); // 2·2 / (2·2 + 1 + 3)
  });

  it('returns 0 for precision, recall and F1 when undefined, like scikit-learn', () => {
    expect(precision([1, 0], [0, 0])).toBe(0);
    expect(recall([0, 0], [1, 0])).toBe(0);
    expect(f1Score([0, 0], [0, 0])).toBe(0);
  });

  it('rejects labels and predictions of different lengths', () => {
    expect(() => accuracy([1, 0], [1])).toThrow('length mismatch');
  });
});

describe('ROC AUC', () => {
  it('averages the ranks of ties', () => {
    expect(Array.from(averageRanks(scores))).toEqual([1, 6, 3.5, 9, 6, 6, 10, 2, 3.5, 8]);
  });

  it('counts tied positive/negative pairs as one half (Mann–Whitney)', () => {
    expect(rocAuc(y, scores)).toBeCloseTo(0.68, 15);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for constant scores', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('depends only on the order of the scores', () => {
    expect(
      rocAuc(
        y,
        scores.map((s) => Math.exp(5 * s)),
      ),
    ).toBeCloseTo(0.68, 15);
  });

  it('is NaN when only one class is present', () => {
    expect(rocAuc([1, 1], [0.2, 0.8])).toBeNaN();
  });
});

describe('probability metrics', () => {
  it('computes log loss like NumPy', () => {
    expect(logLoss(y, scores)).toBeCloseTo(0.5610885094221719, 14);
  });

  it('clips probabilities so certain mistakes stay finite', () => {
    expect(logLoss([1, 0], [0, 1])).toBeCloseTo((-Math.log(1e-15) - Math.log(1 - (1 - 1e-15))) / 2, 10);
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true);
    expect(logLoss([0, 1], [0, 1])).toBeCloseTo(9.992007221626415e-16, 25);
  });

  it('computes the Brier score', () => {
    expect(brierScore(y, scores)).toBeCloseTo(0.1985, 15);
  });

  it('reports every metric at once', () => {
    const report = evaluateBinaryClassifier(y, scores);
    expect(report).toMatchObject({ count: 10, positives: 5, threshold: 0.5, accuracy: 0.6, recall: 0.4, f1: 0.5 });
    expect(report.rocAuc).toBeCloseTo(0.68, 15);
  });
});

describe('majority-class baseline', () => {
  it('predicts the training majority with the training positive rate', () => {
    const baseline = majorityClassBaseline([0, 0, 0, 1], [1, 0, 0, 1, 0]);
    expect(baseline.majorityClass).toBe(0);
    expect(baseline.positiveRate).toBe(0.25);
    expect(baseline.accuracy).toBe(0.6);
    expect(baseline.rocAuc).toBe(0.5);
    expect(baseline.logLoss).toBeCloseTo(-(2 * Math.log(0.25) + 3 * Math.log(0.75)) / 5, 15);
    expect(baseline.report.recall).toBe(0);
  });

  it('predicts class 1 when it is the training majority', () => {
    const baseline = majorityClassBaseline([1, 1, 0], [1, 0]);
    expect(baseline.majorityClass).toBe(1);
    expect(baseline.accuracy).toBe(0.5);
    expect(baseline.report.confusion).toEqual({ truePositives: 1, falsePositives: 1, trueNegatives: 0, falseNegatives: 0 });
  });
});
