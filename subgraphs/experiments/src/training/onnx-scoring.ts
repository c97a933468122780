import { InferenceSession, Tensor } from 'onnxruntime-node';

export interface ScoringSignature {
  inputName: string;
  inputType: 'float32' | 'float64';
  probabilitiesOutput: string | null;
}

/** The convention of models trained here (packages/ml README): double features in, [N, 2] probabilities out. */
export const OWN_SIGNATURE: ScoringSignature = { inputName: 'features', inputType: 'float64', probabilitiesOutput: 'probabilities' };

/**
 * P(positive class) per row from an ONNX binary classifier, run in ONNX Runtime exactly as the
 * prediction service runs it. Used to check an export against the trainer and to score the
 * production version on the same held-out rows as a candidate.
 */
export async function scoreBinaryOnnx(
  bytes: Uint8Array,
  rows: readonly (readonly number[])[],
  signature: ScoringSignature,
): Promise<Float64Array> {
  if (!signature.probabilitiesOutput) throw new Error('the model has no probability output');
  const width = rows[0]?.length ?? 0;
  const data = signature.inputType === 'float32' ? new Float32Array(rows.length * width) : new Float64Array(rows.length * width);
  rows.forEach((row, i) => data.set(row, i * width));
  const session = await InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  try {
    const out = await session.run({ [signature.inputName]: new Tensor(signature.inputType, data, [rows.length, width]) }, [
      signature.probabilitiesOutput,
    ]);
    const probabilities = out[signature.probabilitiesOutput]!;
    const values = probabilities.data as Float32Array | Float64Array;
    const classes = probabilities.dims[1] ?? 2;
    if (classes !== 2) throw new Error(`expected 2 class probabilities, got ${classes}`);
    return Float64Array.from({ length: rows.length }, (_, i) => values[i * 2 + 1]!);
  } finally {
    await session.release();
  }
}
