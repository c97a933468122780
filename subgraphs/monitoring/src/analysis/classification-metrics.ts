/** Labelled predictions grouped by (predicted, actual): a sparse confusion matrix. */
export interface ConfusionCell {
  predicted: string | null;
  actual: string;
  count: number;
}

export interface ClassificationMetrics {
  labelled: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** 'binary': of the positive class; 'macro': unweighted mean over the classes seen (scikit-learn's average='macro'). */
  averaging: 'binary' | 'macro';
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/**
 * Accuracy, precision, recall and F1 from a confusion matrix, as scikit-learn computes them
 * (zero_division=0). With a positive label the scores are those of that class (binary models);
 * without one they are macro-averaged over every class that was predicted or observed.
 */
export function classificationMetrics(cells: readonly ConfusionCell[], positiveLabel: string | null): ClassificationMetrics | null {
  let total = 0;
  let correct = 0;
  const truePositives = new Map<string, number>();
  const predictedTotals = new Map<string, number>();
  const actualTotals = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const { predicted, actual, count } of cells) {
    if (count <= 0) continue;
    total += count;
    add(actualTotals, actual, count);
    if (predicted !== null) add(predictedTotals, predicted, count);
    if (predicted === actual) {
      correct += count;
      add(truePositives, actual, count);
    }
  }
  if (total === 0) return null;
  const score = (cls: string) => {
    const tp = truePositives.get(cls) ?? 0;
    const precision = ratio(tp, predictedTotals.get(cls) ?? 0);
    const recall = ratio(tp, actualTotals.get(cls) ?? 0);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
  };
  const accuracy = correct / total;
  if (positiveLabel !== null) return { labelled: total, accuracy, ...score(positiveLabel), averaging: 'binary' };
  const classes = new Set([...actualTotals.keys(), ...predictedTotals.keys()]);
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const cls of classes) {
    const s = score(cls);
    precision += s.precision;
    recall += s.recall;
    f1 += s.f1;
  }
  const k = classes.size;
  return { labelled: total, accuracy, precision: precision / k, recall: recall / k, f1: f1 / k, averaging: 'macro' };
}
