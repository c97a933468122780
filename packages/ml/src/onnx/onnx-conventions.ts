/**
 * The contract between models exported here and the serving subgraph (see packages/ml/README.md).
 *
 * Input: one tensor `features`, double, shape [N, F]. Double rather than float because tree
 * thresholds such as 4.800000000000001 collapse onto 4.8 in float32 and would flip boundary rows.
 * Outputs by task:
 * - binary classification: `label` int64 [N] (0/1) and `probabilities` double [N, 2] = [1 − p, p]
 * - multiclass classification: `label` int64 [N] (class index) and `probabilities` double [N, K]
 * - regression: `variable` double [N, 1]
 */

export const ONNX_INPUT_NAME = 'features';
export const ONNX_INPUT_TYPE = 'double';
export const ONNX_LABEL_OUTPUT = 'label';
export const ONNX_PROBABILITIES_OUTPUT = 'probabilities';
export const ONNX_REGRESSION_OUTPUT = 'variable';

export const ONNX_IR_VERSION = 8;
export const ONNX_DEFAULT_OPSET = 13;
export const ONNX_ML_DOMAIN = 'ai.onnx.ml';
export const ONNX_ML_OPSET = 3;
export const ONNX_PRODUCER_NAME = 'modelplane-ml';
export const ONNX_PRODUCER_VERSION = '0.1.0';

export type OnnxTask = 'binary-classification' | 'multiclass-classification' | 'regression';

/** Output names per task, in graph output order. */
export const ONNX_OUTPUT_NAMES: Readonly<Record<OnnxTask, readonly string[]>> = Object.freeze({
  'binary-classification': [ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT],
  'multiclass-classification': [ONNX_LABEL_OUTPUT, ONNX_PROBABILITIES_OUTPUT],
  regression: [ONNX_REGRESSION_OUTPUT],
});

/** Keys of the ModelProto metadata_props written by this package. */
export const ONNX_METADATA_KEYS = Object.freeze({
  task: 'modelplane.task',
  trainer: 'modelplane.trainer',
  featureNames: 'modelplane.feature_names',
  params: 'modelplane.params',
  inputName: 'modelplane.input_name',
  inputType: 'modelplane.input_type',
  outputNames: 'modelplane.output_names',
  classCount: 'modelplane.class_count',
});
