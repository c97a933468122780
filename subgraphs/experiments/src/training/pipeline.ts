import {
  GradientBoostingClassifier,
  LogisticRegression,
  computeReferenceProfile,
  evaluateBinaryClassifier,
  hyperparameterSearch,
  majorityClassBaseline,
  toOnnx,
  type BinaryClassificationReport,
  type DatasetRow,
  type ExportableModel,
  type GradientBoostingParams,
  type LogisticRegressionParams,
  type ParamSpace,
  type ReferenceProfile,
} from '@modelplane/ml';
import type { TrainingPlan } from './training-params';

/**
 * Training as a pure function of its input: fit (after an optional cross-validated search),
 * evaluate on the held-out rows next to the majority-class baseline, export ONNX and profile the
 * training data. No database, no network: it runs in a worker thread so the event loop that
 * publishes progress and answers GraphQL stays free.
 */
export interface TrainingInput {
  plan: TrainingPlan;
  featureNames: string[];
  train: DatasetRow[];
  test: DatasetRow[];
  /** ONNX metadata_props to add (run id, dataset digest). */
  metadata: Record<string, string>;
}

export interface BaselineReport {
  majorityClass: number;
  positiveRate: number;
  accuracy: number;
  rocAuc: number;
  logLoss: number;
}

export interface SearchReport {
  metric: string;
  bestParams: Record<string, unknown>;
  bestScore: number;
  candidates: number;
  folds: number;
}

export interface TrainingOutput {
  onnx: Uint8Array;
  /** Every hyper-parameter the final fit used (defaults merged in). */
  finalParams: Record<string, unknown>;
  testProbabilities: number[];
  report: BinaryClassificationReport;
  baseline: BaselineReport;
  losses: Array<{ step: number; loss: number }>;
  search: SearchReport | null;
  profile: ReferenceProfile;
  fitSeconds: number;
  searchSeconds: number;
}

export type PipelinePhase = 'search' | 'fit' | 'evaluate';
/** fraction: 0..1 of the whole pipeline. */
export type PipelineProgress = (
  fraction: number,
  phase: PipelinePhase,
  detail?: { step: number; totalSteps: number; loss: number },
) => void;

function createModel(trainer: TrainingPlan['trainer']): ExportableModel {
  return trainer === 'gradient-boosting' ? new GradientBoostingClassifier() : new LogisticRegression();
}

export function trainAndEvaluate(input: TrainingInput, onProgress: PipelineProgress): TrainingOutput {
  const { plan } = input;
  if (!input.train.length) throw new Error('the training split is empty');
  if (!input.test.length) throw new Error('the held-out split is empty');
  const X = input.train.map((r) => r.features);
  const y = Uint8Array.from(input.train, (r) => r.label);
  const testX = input.test.map((r) => r.features);
  const testY = Uint8Array.from(input.test, (r) => r.label);
  if (y.every((v) => v === y[0])) throw new Error(`every training row has label ${y[0]}; a classifier needs both classes`);
  const baseParams: Record<string, unknown> = { ...plan.params };
  if (plan.trainer === 'gradient-boosting') baseParams.seed = plan.seed;

  // The search takes the first half of the progress bar when there is one.
  const fitStart = plan.search ? 0.5 : 0;
  const fitSpan = 0.9 - fitStart;
  let search: SearchReport | null = null;
  let searchSeconds = 0;
  let params = baseParams;
  if (plan.search) {
    const started = performance.now();
    const result = hyperparameterSearch(X, y, {
      createModel: () => createModel(plan.trainer) as LogisticRegression & GradientBoostingClassifier,
      space: plan.search.space as ParamSpace<LogisticRegressionParams & GradientBoostingParams>,
      strategy: plan.search.strategy,
      iterations: plan.search.iterations,
      folds: plan.search.folds,
      shuffle: plan.search.shuffle,
      seed: plan.seed,
      metric: plan.search.metric,
      baseParams: baseParams as Partial<LogisticRegressionParams & GradientBoostingParams>,
      onProgress: (fraction) => onProgress(fraction * fitStart, 'search'),
    });
    searchSeconds = (performance.now() - started) / 1000;
    params = { ...result.bestParams };
    search = {
      metric: result.metric,
      bestParams: result.bestParams as Record<string, unknown>,
      bestScore: result.bestScore,
      candidates: result.candidates.length,
      folds: plan.search.folds,
    };
  }

  const losses: Array<{ step: number; loss: number }> = [];
  const model = createModel(plan.trainer);
  const started = performance.now();
  (model as LogisticRegression).fit(X, y, params as Partial<LogisticRegressionParams>, (fraction, info) => {
    losses.push({ step: info.step, loss: info.loss });
    onProgress(fitStart + fraction * fitSpan, 'fit', info);
  });
  const fitSeconds = (performance.now() - started) / 1000;

  onProgress(0.92, 'evaluate');
  const probabilities = model.predictProba(testX);
  const report = evaluateBinaryClassifier(testY, probabilities);
  const baseline = majorityClassBaseline(y, testY);
  const onnx = toOnnx(model, { featureNames: input.featureNames, metadata: input.metadata });
  const profile = computeReferenceProfile(input.train, input.featureNames, { seed: plan.seed });
  onProgress(1, 'evaluate');
  return {
    onnx,
    finalParams: { ...model.params } as Record<string, unknown>,
    testProbabilities: Array.from(probabilities),
    report,
    baseline: {
      majorityClass: baseline.majorityClass,
      positiveRate: baseline.positiveRate,
      accuracy: baseline.accuracy,
      rocAuc: baseline.rocAuc,
      logLoss: baseline.logLoss,
    },
    losses,
    search,
    profile,
    fitSeconds,
    searchSeconds,
  };
}
