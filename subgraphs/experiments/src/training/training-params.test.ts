import { parseTrainingParams } from './training-params';

const defaults = { trainer: 'logistic-regression', params: { l2: 0.01 } };
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('training params', () => {
  it('merges the experiment defaults with the request, the request winning', () => {
    expect(parseTrainingParams({ maxIter: 5 }, defaults)).toEqual({
      trainer: 'logistic-regression',
      params: { l2: 0.01, maxIter: 5 },
      search: null,
      seed: 42,
      dataset: null,
      includeFeedback: null,
    });
    expect(parseTrainingParams({ l2: 1, seed: 7 }, defaults)).toMatchObject({ params: { l2: 1 }, seed: 7 });
  });

  it('does not carry one trainer’s defaults over to another trainer', () => {
    expect(parseTrainingParams({ trainer: 'gradient-boosting', rounds: 10 }, defaults).params).toEqual({ rounds: 10 });
  });

  it('validates a search and fills its defaults', () => {
    const plan = parseTrainingParams({ trainer: 'gradient-boosting', search: { space: { maxDepth: [2, 3], rounds: [10, 20] } } }, defaults);
    expect(plan.search).toEqual({
      strategy: 'grid',
      space: { maxDepth: [2, 3], rounds: [10, 20] },
      folds: 5,
      iterations: 10,
      metric: 'rocAuc',
      shuffle: true,
    });
    const random = parseTrainingParams(
      {
        trainer: 'gradient-boosting',
        search: { strategy: 'random', iterations: 4, space: { learningRate: { min: 0.01, max: 0.3, scale: 'log' } } },
      },
      defaults,
    );
    expect(random.search).toMatchObject({ strategy: 'random', iterations: 4 });
  });

  it.each([
    ['an unknown trainer', { trainer: 'svm' }],
    ['a hyper-parameter of the other trainer', { rounds: 5 }],
    ['a value out of range', { l2: -1 }],
    ['a non-integer iteration count', { maxIter: 2.5 }],
    ['a bad class weight', { classWeight: { 0: 1 } }],
    ['a seed that is not an integer', { seed: 'x' }],
    ['a bad dataset name', { dataset: 'a b' }],
    ['a search over an unknown parameter', { search: { space: { depth: [1] } } }],
    ['a range in a grid search', { trainer: 'gradient-boosting', search: { space: { learningRate: { min: 0.1, max: 0.2 } } } }],
    [
      'a search that fits too many models',
      {
        trainer: 'gradient-boosting',
        search: { space: { rounds: Array.from({ length: 60 }, (_, i) => i + 1), maxDepth: [1, 2] }, folds: 5 },
      },
    ],
    ['an unknown search option', { search: { space: { l2: [0.1] }, parallel: true } }],
  ])('refuses %s with BAD_USER_INPUT', (_what, params) => {
    expect(code(() => parseTrainingParams(params as Record<string, unknown>, defaults))).toBe('BAD_USER_INPUT');
  });
});
