import { BadUserInputError } from '@modelplane/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelSchema, ModelSignature } from './schema';

const PROBABILITY_NAMES = ['probabilities', 'probability', 'output_probability', 'probs'];
const VALUE_NAMES = ['variable', 'value', 'prediction', 'predictions', 'output', 'y'];

function unfit(message: string): never {
  throw new BadUserInputError(`the ONNX artifact does not fit the model: ${message}`, { argument: 'onnxBase64' });
}

function pick(outputs: readonly InferenceSession.ValueMetadata[], names: string[], rank: number[]): string | null {
  const floats = outputs.filter(
    (o): o is InferenceSession.ValueMetadata & { isTensor: true; type: Tensor.Type; shape: ReadonlyArray<number | string> } =>
      o.isTensor && (o.type === 'float32' || o.type === 'float64'),
  );
  const byName = floats.find((o) => names.includes(o.name.toLowerCase()));
  if (byName) return byName.name;
  const byRank = floats.find((o) => o.shape.length === 0 || rank.includes(o.shape.length));
  return byRank?.name ?? null;
}

/**
 * Loads an artifact in ONNX Runtime and checks that its input and outputs fit the model's
 * feature schema and task, by reading the graph's metadata and running one row through it.
 * Throws BAD_USER_INPUT saying what does not fit.
 */
export async function inspectArtifact(bytes: Uint8Array, schema: ModelSchema): Promise<ModelSignature> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes, { graphOptimizationLevel: 'basic', logSeverityLevel: 4 });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 300) : String(err);
    throw new BadUserInputError(`the artifact is not a loadable ONNX model: ${reason}`, { argument: 'onnxBase64' });
  }
  try {
    const inputs = session.inputMetadata;
    if (inputs.length !== 1)
      unfit(`it takes ${inputs.length} inputs (${session.inputNames.join(', ')}); Modelplane feeds one [N, features] tensor`);
    const input = inputs[0]!;
    if (!input.isTensor || (input.type !== 'float32' && input.type !== 'float64')) {
      unfit(`its input ${input.name} must be a float or double tensor`);
    }
    const featureCount = schema.features.length;
    const width = input.shape[1];
    if (input.shape.length !== 2 || (typeof width === 'number' && width !== featureCount)) {
      unfit(
        `its input ${input.name} has shape [${input.shape.join(', ')}]; the model has ${featureCount} features, so it must be [N, ${featureCount}]`,
      );
    }
    const nonTensor = session.outputMetadata.filter((o) => !o.isTensor).map((o) => o.name);
    const classification = schema.task !== 'REGRESSION';
    const probabilitiesOutput = classification ? pick(session.outputMetadata, PROBABILITY_NAMES, [2]) : null;
    const valueOutput = classification ? null : pick(session.outputMetadata, VALUE_NAMES, [1, 2]);
    if (classification && !probabilitiesOutput) {
      unfit(
        `a classifier needs a float [N, classes] probability output${nonTensor.length ? ` (found non-tensor outputs ${nonTensor.join(', ')}: export without ZipMap, e.g. skl2onnx options zipmap=False)` : ''}`,
      );
    }
    if (!classification && !valueOutput) unfit('a regression model needs a float [N] or [N, 1] output');

    // One row through the graph: catches shapes the metadata leaves symbolic.
    const data = input.type === 'float32' ? new Float32Array(featureCount) : new Float64Array(featureCount);
    const out = await session
      .run({ [input.name]: new Tensor(input.type, data, [1, featureCount]) }, [(probabilitiesOutput ?? valueOutput)!])
      .catch((err: unknown) => unfit(`running one row failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`));
    const result = out[(probabilitiesOutput ?? valueOutput)!]!;
    let classCount: number | null = null;
    if (classification) {
      classCount = result.dims.length === 2 ? result.dims[1]! : -1;
      if (classCount < 2)
        unfit(`its probability output ${probabilitiesOutput} has shape [${result.dims.join(', ')}] for one row; expected [1, classes]`);
      const expected = schema.labels?.length ?? (schema.task === 'BINARY_CLASSIFICATION' ? 2 : classCount);
      if (classCount !== expected) unfit(`it outputs ${classCount} class probabilities but the model has ${expected} labels`);
      if (schema.task === 'BINARY_CLASSIFICATION' && classCount !== 2)
        unfit(`a binary classifier must output 2 probabilities, not ${classCount}`);
    } else if (result.size !== 1) {
      unfit(`its output ${valueOutput} has ${result.size} values for one row; a regression model must give one`);
    }
    return { inputName: input.name, inputType: input.type, featureCount, probabilitiesOutput, valueOutput, classCount };
  } finally {
    await session.release();
  }
}
