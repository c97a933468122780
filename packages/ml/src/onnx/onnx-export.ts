import { canonicalJson } from '../canonical-json';
import { GradientBoostingClassifier } from '../trainers/gradient-boosting';
import { LogisticRegression } from '../trainers/logistic-regression';
import { buildLogisticRegressionOnnx } from './linear-model-builders';
import { ONNX_INPUT_NAME, ONNX_INPUT_TYPE, ONNX_METADATA_KEYS, ONNX_ML_DOMAIN, ONNX_OUTPUT_NAMES } from './onnx-conventions';
import { binaryClassifierHead, binaryClassifierOutputs, doubleTensor, encodeModel, featuresInput, node } from './onnx-graph';
import { onnx } from 'onnx-proto';

/** ONNX export of the trained binary classifiers of this package. */

export type ExportableModel = LogisticRegression | GradientBoostingClassifier;

export interface OnnxExportOptions {
  /** Names of the input columns in order; default x0, x1, … */
  featureNames?: readonly string[];
  /** Extra metadata_props (they cannot override the ones describing the model). */
  metadata?: Readonly<Record<string, string>>;
  docString?: string;
}

function featureNamesFor(model: ExportableModel, featureNames?: readonly string[]): readonly string[] {
  const names = featureNames ?? Array.from({ length: model.featureCount }, (_, j) => `x${j}`);
  if (names.length !== model.featureCount) throw new Error(`${names.length} feature names for a model with ${model.featureCount} features`);
  return names;
}

/**
 * The ModelProto metadata_props describing a trained model: task, trainer, feature names (JSON
 * array), training parameters (canonical JSON), and the input/output convention.
 */
export function onnxModelMetadata(model: ExportableModel, options: Pick<OnnxExportOptions, 'featureNames'> = {}): Record<string, string> {
  return {
    [ONNX_METADATA_KEYS.task]: 'binary-classification',
    [ONNX_METADATA_KEYS.trainer]: model.trainer,
    [ONNX_METADATA_KEYS.featureNames]: JSON.stringify(featureNamesFor(model, options.featureNames)),
    [ONNX_METADATA_KEYS.params]: canonicalJson(model.params),
    [ONNX_METADATA_KEYS.inputName]: ONNX_INPUT_NAME,
    [ONNX_METADATA_KEYS.inputType]: ONNX_INPUT_TYPE,
    [ONNX_METADATA_KEYS.outputNames]: ONNX_OUTPUT_NAMES['binary-classification'].join(','),
  };
}

/**
 * The boosted trees as one TreeEnsembleRegressor (ai.onnx.ml) giving the raw margin, then the
 * standard binary head. Thresholds, leaf weights and the base score are double tensors
 * (`*_as_tensor`) so splits compare exactly as in the trainer. The regressor's output is float by
 * the operator's definition; it is cast back to double (≈1e-7 relative error on the margin).
 */
function gradientBoostingToOnnx(model: GradientBoostingClassifier, metadata: Record<string, string>, docString?: string): Uint8Array {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetWeights: number[] = [];
  model.trees.forEach((tree, t) => {
    tree.feature.forEach((feature, n) => {
      treeIds.push(t);
      nodeIds.push(n);
      if (feature >= 0) {
        featureIds.push(feature);
        modes.push('BRANCH_LEQ');
        values.push(tree.threshold[n]);
        trueIds.push(tree.left[n]);
        falseIds.push(tree.right[n]);
      } else {
        featureIds.push(0);
        modes.push('LEAF');
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        targetTreeIds.push(t);
        targetNodeIds.push(n);
        targetWeights.push(tree.value[n]);
      }
    });
  });
  const ensemble = node(
    'TreeEnsembleRegressor',
    [ONNX_INPUT_NAME],
    ['margin_float'],
    {
      aggregate_function: { string: 'SUM' },
      post_transform: { string: 'NONE' },
      n_targets: { int: 1 },
      base_values_as_tensor: { tensor: doubleTensor('', [1], [model.baseScore]) },
      nodes_treeids: { ints: treeIds },
      nodes_nodeids: { ints: nodeIds },
      nodes_featureids: { ints: featureIds },
      nodes_modes: { strings: modes },
      nodes_values_as_tensor: { tensor: doubleTensor('', [values.length], values) },
      nodes_truenodeids: { ints: trueIds },
      nodes_falsenodeids: { ints: falseIds },
      target_ids: { ints: targetTreeIds.map(() => 0) },
      target_treeids: { ints: targetTreeIds },
      target_nodeids: { ints: targetNodeIds },
      target_weights_as_tensor: { tensor: doubleTensor('', [targetWeights.length], targetWeights) },
    },
    ONNX_ML_DOMAIN,
  );
  const cast = node('Cast', ['margin_float'], ['margin'], { to: { int: onnx.TensorProto.DataType.DOUBLE } });
  const head = binaryClassifierHead('margin');
  return encodeModel({
    graphName: 'gradient_boosting',
    docString,
    nodes: [ensemble, cast, ...head.nodes],
    initializers: head.initializers,
    inputs: [featuresInput(model.featureCount)],
    outputs: binaryClassifierOutputs(),
    metadata,
  });
}

/** Serialises a trained model to ONNX bytes (see README.md for the input/output convention). */
export function toOnnx(model: ExportableModel, options: OnnxExportOptions = {}): Uint8Array {
  const metadata = { ...options.metadata, ...onnxModelMetadata(model, options) };
  if (model instanceof LogisticRegression) {
    // Standardisation is folded into the weights: one MatMul + Add instead of Sub/Div/MatMul/Add.
    const { weights, intercept } = model.rawCoefficients();
    return buildLogisticRegressionOnnx({
      weights,
      intercept,
      featureCount: model.featureCount,
      metadata,
      graphName: 'logistic_regression',
      docString: options.docString,
    });
  }
  if (model instanceof GradientBoostingClassifier) return gradientBoostingToOnnx(model, metadata, options.docString);
  throw new Error('toOnnx: unsupported model');
}
