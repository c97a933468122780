import { onnx } from 'onnx-proto';
import {
  ONNX_DEFAULT_OPSET,
  ONNX_INPUT_NAME,
  ONNX_IR_VERSION,
  ONNX_LABEL_OUTPUT,
  ONNX_ML_DOMAIN,
  ONNX_ML_OPSET,
  ONNX_PROBABILITIES_OUTPUT,
  ONNX_PRODUCER_NAME,
  ONNX_PRODUCER_VERSION,
} from './onnx-conventions';

/** Small helpers to assemble ONNX graphs with onnx-proto and encode them. */

const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

export type AttributeValue =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { string: string }
  | { strings: readonly string[] }
  | { tensor: onnx.ITensorProto };

const utf8 = new TextEncoder();

/** A double tensor stored as little-endian raw bytes (exact, and compact). */
export function doubleTensor(name: string, dims: readonly number[], values: ArrayLike<number>): onnx.ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`tensor ${name}: ${values.length} values for shape [${dims.join(', ')}]`);
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return { name, dims: [...dims], dataType: DataType.DOUBLE, rawData: bytes };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): onnx.ITensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  // ONNX string attributes are bytes.
  if ('string' in value) return { name, type: AttributeType.STRING, s: utf8.encode(value.string) };
  if ('strings' in value) return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => utf8.encode(s)) };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Record<string, AttributeValue> = {},
  domain = '',
): onnx.INodeProto {
  return {
    opType,
    domain,
    name: `${opType}_${outputs[0]}`,
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
  };
}

/** A graph input/output; string dims are symbolic (e.g. 'N' for the batch). */
export function tensorValueInfo(
  name: string,
  elemType: onnx.TensorProto.DataType,
  dims: readonly (number | string)[],
): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The conventional `features` input: double [N, featureCount]. */
export function featuresInput(featureCount: number): onnx.IValueInfoProto {
  return tensorValueInfo(ONNX_INPUT_NAME, DataType.DOUBLE, ['N', featureCount]);
}

export interface GraphParts {
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
}

/**
 * Turns a double margin (log-odds) of shape [N, 1] into the binary-classification outputs:
 * `probabilities` = [1 − σ(m), σ(m)] and `label` = (m ≥ 0) as int64 [N]. The label is taken from
 * the margin rather than from the probability so it cannot depend on how Sigmoid rounds near 0.5.
 */
export function binaryClassifierHead(margin: string): GraphParts {
  return {
    initializers: [doubleTensor('head_one', [1], [1]), doubleTensor('head_zero', [1], [0]), int64Tensor('head_flat', [1], [-1])],
    nodes: [
      node('Sigmoid', [margin], ['head_p']),
      node('Sub', ['head_one', 'head_p'], ['head_q']),
      node('Concat', ['head_q', 'head_p'], [ONNX_PROBABILITIES_OUTPUT], { axis: { int: 1 } }),
      node('GreaterOrEqual', [margin, 'head_zero'], ['head_positive']),
      node('Cast', ['head_positive'], ['head_label_column'], { to: { int: DataType.INT64 } }),
      node('Reshape', ['head_label_column', 'head_flat'], [ONNX_LABEL_OUTPUT]),
    ],
  };
}

/** The conventional outputs of a binary classifier: label int64 [N], probabilities double [N, 2]. */
export function binaryClassifierOutputs(): onnx.IValueInfoProto[] {
  return [tensorValueInfo(ONNX_LABEL_OUTPUT, DataType.INT64, ['N']), tensorValueInfo(ONNX_PROBABILITIES_OUTPUT, DataType.DOUBLE, ['N', 2])];
}

export interface ModelSpec extends GraphParts {
  graphName: string;
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  metadata?: Readonly<Record<string, string>>;
  docString?: string;
}

/** Encodes a ModelProto: IR 8, default-domain opset 13, ai.onnx.ml opset 3. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [
      { domain: '', version: ONNX_DEFAULT_OPSET },
      { domain: ONNX_ML_DOMAIN, version: ONNX_ML_OPSET },
    ],
    producerName: ONNX_PRODUCER_NAME,
    producerVersion: ONNX_PRODUCER_VERSION,
    docString: spec.docString ?? '',
    graph: {
      name: spec.graphName,
      node: spec.nodes,
      initializer: spec.initializers,
      input: spec.inputs,
      output: spec.outputs,
    },
    // Sorted so equal metadata always encodes to equal bytes.
    metadataProps: Object.entries(spec.metadata ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(model).finish();
  // protobufjs may hand back a Buffer view of a shared pool; copy to a plain, exact-size array.
  return Uint8Array.from(bytes);
}

export interface OnnxTensorInfo {
  name: string;
  elemType: string;
  /** Numbers for fixed dims, strings for symbolic ones. */
  dims: (number | string)[];
}

export interface OnnxModelInfo {
  irVersion: number;
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  metadata: Record<string, string>;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(String(value));
}

function tensorInfo(v: onnx.IValueInfoProto): OnnxTensorInfo {
  const t = v.type?.tensorType;
  return {
    name: v.name ?? '',
    elemType: DataType[t?.elemType ?? 0] ?? String(t?.elemType),
    dims: (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue ?? 0))),
  };
}

/** Decodes the header of an ONNX model: versions, graph inputs/outputs and metadata_props. */
export function inspectOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  const model = onnx.ModelProto.decode(bytes);
  const initializers = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  return {
    irVersion: toNumber(model.irVersion),
    opsets: Object.fromEntries(model.opsetImport.map((o) => [o.domain ?? '', toNumber(o.version)])),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    // Older exporters list initializers as inputs too; they are not things to feed.
    inputs: (model.graph?.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(tensorInfo),
    outputs: (model.graph?.output ?? []).map(tensorInfo),
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
  };
}
