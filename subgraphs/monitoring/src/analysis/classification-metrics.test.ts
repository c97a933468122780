import { classificationMetrics, type ConfusionCell } from './classification-metrics';

/** Pairs → confusion cells, as the SQL GROUP BY produces them. */
function cells(actual: string[], predicted: string[]): ConfusionCell[] {
  const m = new Map<string, ConfusionCell>();
  actual.forEach((a, i) => {
    const key = `${predicted[i]}|${a}`;
    const c = m.get(key) ?? { predicted: predicted[i]!, actual: a, count: 0 };
    c.count++;
    m.set(key, c);
  });
  return [...m.values()];
}

describe('classificationMetrics (scikit-learn reference values)', () => {
  it('macro-averages a multiclass confusion matrix like sklearn average="macro"', () => {
    // sklearn docs (precision_recall_fscore_support): y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
    // accuracy 0.333…, precision_macro 0.222…, recall_macro 0.333…, f1_macro 0.266…
    const m = classificationMetrics(cells(['0', '1', '2', '0', '1', '2'], ['0', '2', '1', '0', '0', '1']), null)!;
    expect(m.averaging).toBe('macro');
    expect(m.accuracy).toBeCloseTo(1 / 3, 12);
    expect(m.precision).toBeCloseTo(2 / 9, 12);
    expect(m.recall).toBeCloseTo(1 / 3, 12);
    expect(m.f1).toBeCloseTo(4 / 15, 12);
  });

  it('scores the positive class of a binary model', () => {
    // tp = 3, fp = 1, fn = 1, tn = 3: precision 0.75, recall 0.75, f1 0.75, accuracy 0.75
    const actual = ['rain', 'rain', 'rain', 'rain', 'dry', 'dry', 'dry', 'dry'];
    const predicted = ['rain', 'rain', 'rain', 'dry', 'rain', 'dry', 'dry', 'dry'];
    expect(classificationMetrics(cells(actual, predicted), 'rain')).toEqual({
      labelled: 8,
      accuracy: 0.75,
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
      averaging: 'binary',
    });
  });

  it('uses zero_division=0 when the positive class is never predicted', () => {
    const m = classificationMetrics(cells(['1', '0', '0'], ['0', '0', '0']), '1')!;
    expect(m).toMatchObject({ accuracy: 2 / 3, precision: 0, recall: 0, f1: 0 });
  });

  it('is null without labelled predictions', () => {
    expect(classificationMetrics([], '1')).toBeNull();
  });
});
