// Public API of @modelplane/ml: datasets, trainers, evaluation, ONNX export and reference profiles.

export { canonicalJson, sha256Hex } from './canonical-json';
export { mulberry32, sampleIndices, shuffleInPlace, deriveSeed, type RandomSource } from './random';

export { parseCsv, parseCsvRows } from './datasets/csv';
export {
  RAIN_TOMORROW_FEATURE_NAMES,
  RAIN_TOMORROW_LABEL_DEFINITION,
  buildRainTomorrowRows,
  dayOfYearEncoding,
  loadRainTomorrowDataset,
  loadRainTomorrowSplit,
  loadWeatherObservations,
  nextDay,
  parseWeatherCsv,
  rainTomorrowFeatures,
  rowsInYears,
  toMatrix,
  vegaDatasetsDataDir,
  type Dataset,
  type DatasetRow,
  type RainTomorrowSplit,
  type RainTomorrowSplitOptions,
  type WeatherDataOptions,
  type WeatherLocation,
  type WeatherObservation,
  type YearRange,
} from './datasets/weather-dataset';
export { datasetDigest } from './datasets/dataset-digest';

export {
  sigmoid,
  type BinaryClassifier,
  type BinaryLabels,
  type FeatureMatrix,
  type ProgressCallback,
  type TrainerName,
  type TrainingProgress,
} from './trainers/trainer-types';
export {
  DEFAULT_LOGISTIC_REGRESSION_PARAMS,
  LogisticRegression,
  type ClassWeight,
  type LogisticRegressionParams,
  type LogisticRegressionState,
} from './trainers/logistic-regression';
export {
  DEFAULT_GRADIENT_BOOSTING_PARAMS,
  GradientBoostingClassifier,
  type GradientBoostingParams,
  type GradientBoostingState,
  type RegressionTree,
} from './trainers/gradient-boosting';
export {
  contiguousKFold,
  gridCandidates,
  hyperparameterSearch,
  randomCandidates,
  stratifiedKFold,
  type CandidateResult,
  type HyperparameterSearchOptions,
  type HyperparameterSearchResult,
  type NumericRange,
  type ParamSpace,
  type SearchMetric,
} from './trainers/hyperparameter-search';

export {
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
  type BinaryClassificationReport,
  type ConfusionMatrix,
  type MajorityBaseline,
} from './evaluation/metrics';

export {
  ONNX_DEFAULT_OPSET,
  ONNX_INPUT_NAME,
  ONNX_INPUT_TYPE,
  ONNX_IR_VERSION,
  ONNX_LABEL_OUTPUT,
  ONNX_METADATA_KEYS,
  ONNX_ML_DOMAIN,
  ONNX_ML_OPSET,
  ONNX_OUTPUT_NAMES,
  ONNX_PROBABILITIES_OUTPUT,
  ONNX_REGRESSION_OUTPUT,
  type OnnxTask,
} from './onnx/onnx-conventions';
export { inspectOnnxModel, type OnnxModelInfo, type OnnxTensorInfo } from './onnx/onnx-graph';
export {
  buildLinearRegressionOnnx,
  buildLogisticRegressionOnnx,
  buildSoftmaxRegressionOnnx,
  type LinearOnnxOptions,
  type LinearRegressionOnnxOptions,
  type LogisticRegressionOnnxOptions,
  type SoftmaxRegressionOnnxOptions,
} from './onnx/linear-model-builders';
export { onnxModelMetadata, toOnnx, type ExportableModel, type OnnxExportOptions } from './onnx/onnx-export';

export {
  DECILE_PROBABILITIES,
  computeReferenceProfile,
  histogramCounts,
  quantileBinEdges,
  quantileSorted,
  type FeatureProfile,
  type Histogram,
  type ProfileOptions,
  type ReferenceProfile,
} from './profile';
