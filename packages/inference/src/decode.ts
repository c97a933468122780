import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelSignature } from './schema';

export interface ClassProbability {
  label: string;
  probability: number;
}

export interface DecodedPrediction {
  /** Predicted class label; null for regression. */
  label: string | null;
  /** Binary: P(positive); multiclass: P(predicted class); regression: the value. */
  score: number;
  probabilities: ClassProbability[] | null;
  value: number | null;
}

/** Turns the session's outputs for N rows into predictions, the same way for every artifact. */
export function decodeOutputs(
  outputs: InferenceSession.OnnxValueMapType,
  signature: ModelSignature,
  labels: readonly string[] | null,
  rows: number,
): DecodedPrediction[] {
  const result: DecodedPrediction[] = new Array(rows);
  if (signature.probabilitiesOutput) {
    const t = outputs[signature.probabilitiesOutput] as Tensor;
    const data = t.data as Float32Array | Float64Array;
    const k = signature.classCount ?? data.length / rows;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      const probabilities: ClassProbability[] = new Array(k);
      for (let c = 0; c < k; c++) {
        const p = data[r * k + c]!;
        probabilities[c] = { label: labels?.[c] ?? String(c), probability: p };
        if (p > data[r * k + best]!) best = c;
      }
      // Binary score is P(positive class), whichever class wins.
      const score = k === 2 ? data[r * k + 1]! : data[r * k + best]!;
      result[r] = { label: probabilities[best]!.label, score, probabilities, value: null };
    }
    return result;
  }
  const t = outputs[signature.valueOutput!] as Tensor;
  const data = t.data as Float32Array | Float64Array;
  for (let r = 0; r < rows; r++) {
    const value = data[r]!;
    result[r] = { label: null, score: value, probabilities: null, value };
  }
  return result;
}
