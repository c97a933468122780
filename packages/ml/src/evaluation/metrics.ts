/**
 * Binary classification metrics. Labels are 0/1; `scores` and `probabilities` are for class 1.
 * Conventions follow scikit-learn: precision/recall/F1 are 0 when undefined (no predicted or no
 * actual positives), log loss clips probabilities to [eps, 1 − eps].
 */

export type Labels = ArrayLike<number>;

export interface ConfusionMatrix {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} labels vs ${b.length} predictions`);
}

/** 1 where probability ≥ threshold. */
export function thresholdPredictions(probabilities: ArrayLike<number>, threshold = 0.5): Uint8Array {
  return Uint8Array.from({ length: probabilities.length }, (_, i) => (probabilities[i] >= threshold ? 1 : 0));
}

export function confusionMatrix(yTrue: Labels, yPred: Labels): ConfusionMatrix {
  checkSameLength(yTrue, yPred);
  const m: ConfusionMatrix = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    if (yPred[i] === 1) {
      if (yTrue[i] === 1) m.truePositives++;
      else m.falsePositives++;
    } else if (yTrue[i] === 1) m.falseNegatives++;
    else m.trueNegatives++;
  }
  return m;
}

export function accuracy(yTrue: Labels, yPred: Labels): number {
  checkSameLength(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

export function precision(yTrue: Labels, yPred: Labels): number {
  const { truePositives: tp, falsePositives: fp } = confusionMatrix(yTrue, yPred);
  return tp + fp === 0 ? 0 : tp / (tp + fp);
}

export function recall(yTrue: Labels, yPred: Labels): number {
  const { truePositives: tp, falseNegatives: fn } = confusionMatrix(yTrue, yPred);
  return tp + fn === 0 ? 0 : tp / (tp + fn);
}

export function f1Score(yTrue: Labels, yPred: Labels): number {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = confusionMatrix(yTrue, yPred);
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/**
 * Ranks 1..n of `values`, tied values sharing the average of their ranks.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Area under the ROC curve via the Mann–Whitney U statistic: the probability that a random
 * positive scores above a random negative, ties counting one half. NaN when either class is absent.
 */
export function rocAuc(yTrue: Labels, scores: ArrayLike<number>): number {
  checkSameLength(yTrue, scores);
  for (let i = 0; i < scores.length; i++) if (Number.isNaN(scores[i])) throw new Error(`score ${i} is NaN`);
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1) {
      positives++;
      rankSum += ranks[i];
    }
  }
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean negative log-likelihood of the labels, probabilities clipped to [eps, 1 − eps]. */
export function logLoss(yTrue: Labels, probabilities: ArrayLike<number>, eps = 1e-15): number {
  checkSameLength(yTrue, probabilities);
  if (yTrue.length === 0) return NaN;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(probabilities[i], eps), 1 - eps);
    total -= yTrue[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / yTrue.length;
}

/** Mean squared difference between probability and label. */
export function brierScore(yTrue: Labels, probabilities: ArrayLike<number>): number {
  checkSameLength(yTrue, probabilities);
  if (yTrue.length === 0) return NaN;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) total += (probabilities[i] - yTrue[i]) ** 2;
  return total / yTrue.length;
}

export interface BinaryClassificationReport {
  count: number;
  positives: number;
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  logLoss: number;
  brierScore: number;
  confusion: ConfusionMatrix;
}

/** All metrics for probabilities of class 1, labels predicted at `threshold`. */
export function evaluateBinaryClassifier(yTrue: Labels, probabilities: ArrayLike<number>, threshold = 0.5): BinaryClassificationReport {
  return reportFor(yTrue, probabilities, thresholdPredictions(probabilities, threshold), threshold);
}

function reportFor(yTrue: Labels, probabilities: ArrayLike<number>, yPred: Labels, threshold: number): BinaryClassificationReport {
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i] === 1 ? 1 : 0;
  return {
    count: yTrue.length,
    positives,
    threshold,
    accuracy: accuracy(yTrue, yPred),
    precision: precision(yTrue, yPred),
    recall: recall(yTrue, yPred),
    f1: f1Score(yTrue, yPred),
    rocAuc: rocAuc(yTrue, probabilities),
    logLoss: logLoss(yTrue, probabilities),
    brierScore: brierScore(yTrue, probabilities),
    confusion: confusionMatrix(yTrue, yPred),
  };
}

export interface MajorityBaseline {
  /** Most frequent class in the training labels (1 on a tie). */
  majorityClass: 0 | 1;
  /** Training positive rate: the constant probability the baseline predicts. */
  positiveRate: number;
  accuracy: number;
  /** A constant score cannot rank: always 0.5 (NaN if the evaluation labels have one class). */
  rocAuc: number;
  logLoss: number;
  report: BinaryClassificationReport;
}

/**
 * The baseline every model must beat: predict the training majority class, with the training
 * positive rate as a constant probability, evaluated on `testLabels`.
 */
export function majorityClassBaseline(trainLabels: Labels, testLabels: Labels): MajorityBaseline {
  if (trainLabels.length === 0) throw new Error('majority baseline needs training labels');
  let positives = 0;
  for (let i = 0; i < trainLabels.length; i++) positives += trainLabels[i] === 1 ? 1 : 0;
  const positiveRate = positives / trainLabels.length;
  const majorityClass: 0 | 1 = positiveRate >= 0.5 ? 1 : 0;
  const constant = new Float64Array(testLabels.length).fill(positiveRate);
  const report = reportFor(testLabels, constant, new Uint8Array(testLabels.length).fill(majorityClass), 0.5);
  return { majorityClass, positiveRate, accuracy: report.accuracy, rocAuc: report.rocAuc, logLoss: report.logLoss, report };
}
