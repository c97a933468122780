import { onnx } from 'onnx-proto';
import {
  ONNX_INPUT_NAME,
  ONNX_LABEL_OUTPUT,
  ONNX_METADATA_KEYS,
  ONNX_PROBABILITIES_OUTPUT,
  ONNX_REGRESSION_OUTPUT,
} from './onnx-conventions';
import {
  binaryClassifierHead,
  binaryClassifierOutputs,
  doubleTensor,
  encodeModel,
  featuresInput,
  node,
  tensorValueInfo,
  type GraphParts,
} from './onnx-graph';

/**
 * Linear ONNX models from plain coefficients, all with the package convention (input `features`
 * double [N, F]). Used by the trainers' export and handy as fixtures in other packages' tests.
 */

export interface LinearOnnxOptions {
  featureCount: number;
  /** Written to metadata_props next to the caller's own `metadata`. */
  featureNames?: readonly string[];
  metadata?: Readonly<Record<string, string>>;
  graphName?: string;
  docString?: string;
}

function checkCoefficients(what: string, values: readonly number[], featureCount: number): void {
  if (!Number.isInteger(featureCount) || featureCount < 1) throw new Error(`featureCount must be a positive integer, got ${featureCount}`);
  if (values.length !== featureCount) throw new Error(`${what}: ${values.length} weights for ${featureCount} features`);
  if (!values.every(Number.isFinite)) throw new Error(`${what}: weights must be finite numbers`);
}

function metadataWithNames(options: LinearOnnxOptions): Record<string, string> {
  const metadata: Record<string, string> = { ...options.metadata };
  if (options.featureNames) {
    if (options.featureNames.length !== options.featureCount) throw new Error('featureNames must have featureCount entries');
    metadata[ONNX_METADATA_KEYS.featureNames] ??= JSON.stringify(options.featureNames);
  }
  return metadata;
}

/** MatMul(features, W[F, K]) + b[K] → `output` [N, K]. */
function affine(prefix: string, weightsByOutput: readonly (readonly number[])[], biases: readonly number[], output: string): GraphParts {
  const F = weightsByOutput[0].length;
  const K = weightsByOutput.length;
  const W = new Float64Array(F * K);
  for (let k = 0; k < K; k++) for (let j = 0; j < F; j++) W[j * K + k] = weightsByOutput[k][j];
  return {
    initializers: [doubleTensor(`${prefix}_W`, [F, K], W), doubleTensor(`${prefix}_b`, [K], biases)],
    nodes: [node('MatMul', [ONNX_INPUT_NAME, `${prefix}_W`], [`${prefix}_xw`]), node('Add', [`${prefix}_xw`, `${prefix}_b`], [output])],
  };
}

export interface LogisticRegressionOnnxOptions extends LinearOnnxOptions {
  /** One weight per raw feature: p = σ(intercept + Σ weights[j]·features[j]). */
  weights: readonly number[];
  intercept: number;
}

/** Binary logistic regression: outputs `label` int64 [N] and `probabilities` double [N, 2]. */
export function buildLogisticRegressionOnnx(options: LogisticRegressionOnnxOptions): Uint8Array {
  checkCoefficients('logistic regression', options.weights, options.featureCount);
  if (!Number.isFinite(options.intercept)) throw new Error('intercept must be finite');
  const linear = affine('logit', [options.weights], [options.intercept], 'margin');
  const head = binaryClassifierHead('margin');
  return encodeModel({
    graphName: options.graphName ?? 'logistic_regression',
    docString: options.docString,
    nodes: [...linear.nodes, ...head.nodes],
    initializers: [...linear.initializers, ...head.initializers],
    inputs: [featuresInput(options.featureCount)],
    outputs: binaryClassifierOutputs(),
    metadata: { [ONNX_METADATA_KEYS.task]: 'binary-classification', ...metadataWithNames(options) },
  });
}

export interface SoftmaxRegressionOnnxOptions extends LinearOnnxOptions {
  /** K rows of F weights: logit_k = intercepts[k] + Σ weights[k][j]·features[j]. */
  weights: readonly (readonly number[])[];
  intercepts: readonly number[];
  /** Optional check that there are this many classes. */
  classCount?: number;
}

/**
 * Multiclass (multinomial) logistic regression: `label` int64 [N] is the index of the largest
 * logit (the first on ties), `probabilities` double [N, K] their softmax.
 */
export function buildSoftmaxRegressionOnnx(options: SoftmaxRegressionOnnxOptions): Uint8Array {
  const K = options.weights.length;
  if (K < 2) throw new Error('a multiclass model needs at least 2 classes');
  if (options.classCount !== undefined && options.classCount !== K)
    throw new Error(`classCount is ${options.classCount} but weights has ${K} rows`);
  options.weights.forEach((w, k) => checkCoefficients(`class ${k}`, w, options.featureCount));
  if (options.intercepts.length !== K || !options.intercepts.every(Number.isFinite))
    throw new Error(`intercepts must be ${K} finite numbers`);
  const linear = affine('logits', options.weights, options.intercepts, 'logits');
  return encodeModel({
    graphName: options.graphName ?? 'softmax_regression',
    docString: options.docString,
    nodes: [
      ...linear.nodes,
      node('Softmax', ['logits'], [ONNX_PROBABILITIES_OUTPUT], { axis: { int: 1 } }),
      node('ArgMax', ['logits'], [ONNX_LABEL_OUTPUT], { axis: { int: 1 }, keepdims: { int: 0 } }),
    ],
    initializers: linear.initializers,
    inputs: [featuresInput(options.featureCount)],
    outputs: [
      tensorValueInfo(ONNX_LABEL_OUTPUT, onnx.TensorProto.DataType.INT64, ['N']),
      tensorValueInfo(ONNX_PROBABILITIES_OUTPUT, onnx.TensorProto.DataType.DOUBLE, ['N', K]),
    ],
    metadata: {
      [ONNX_METADATA_KEYS.task]: 'multiclass-classification',
      [ONNX_METADATA_KEYS.classCount]: String(K),
      ...metadataWithNames(options),
    },
  });
}

export interface LinearRegressionOnnxOptions extends LinearOnnxOptions {
  weights: readonly number[];
  intercept: number;
}

/** Linear regression: `variable` double [N, 1] = intercept + features · weights. */
export function buildLinearRegressionOnnx(options: LinearRegressionOnnxOptions): Uint8Array {
  checkCoefficients('linear regression', options.weights, options.featureCount);
  if (!Number.isFinite(options.intercept)) throw new Error('intercept must be finite');
  const linear = affine('regression', [options.weights], [options.intercept], ONNX_REGRESSION_OUTPUT);
  return encodeModel({
    graphName: options.graphName ?? 'linear_regression',
    docString: options.docString,
    nodes: linear.nodes,
    initializers: linear.initializers,
    inputs: [featuresInput(options.featureCount)],
    outputs: [tensorValueInfo(ONNX_REGRESSION_OUTPUT, onnx.TensorProto.DataType.DOUBLE, ['N', 1])],
    metadata: { [ONNX_METADATA_KEYS.task]: 'regression', ...metadataWithNames(options) },
  });
}
