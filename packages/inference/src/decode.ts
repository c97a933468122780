import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelSignature } from './schema';

export interface ClassProbability {
  label: string;
  probability: number;
}

/**
 * The outputs for N rows, kept columnar: per-row objects are only built for what a client
 * actually selects (see `probabilitiesAt`), which matters for 10 000-row batches.
 */
export interface DecodedBatch {
  rows: number;
  /** Predicted class label per row; null entries for regression. */
  labels: (string | null)[];
  /** Binary: P(positive); multiclass: P(predicted class); regression: the value. */
  scores: Float64Array;
  /** Row-major [rows, classCount] probabilities; null for regression. */
  probabilities: Float32Array | Float64Array | null;
  classCount: number;
  classLabels: readonly string[] | null;
  regression: boolean;
}

export function decodeOutputs(
  outputs: InferenceSession.OnnxValueMapType,
  signature: ModelSignature,
  labels: readonly string[] | null,
  rows: number,
): DecodedBatch {
  const scores = new Float64Array(rows);
  const predicted: (string | null)[] = new Array(rows);
  if (signature.probabilitiesOutput) {
    const data = (outputs[signature.probabilitiesOutput] as Tensor).data as Float32Array | Float64Array;
    const k = signature.classCount ?? data.length / rows;
    const classLabels = labels ?? Array.from({ length: k }, (_, c) => String(c));
    for (let r = 0; r < rows; r++) {
      const base = r * k;
      let best = 0;
      for (let c = 1; c < k; c++) if (data[base + c]! > data[base + best]!) best = c;
      predicted[r] = classLabels[best]!;
      // Binary score is P(positive class), whichever class wins.
      scores[r] = k === 2 ? data[base + 1]! : data[base + best]!;
    }
    return { rows, labels: predicted, scores, probabilities: data, classCount: k, classLabels, regression: false };
  }
  const data = (outputs[signature.valueOutput!] as Tensor).data as Float32Array | Float64Array;
  for (let r = 0; r < rows; r++) {
    scores[r] = data[r]!;
    predicted[r] = null;
  }
  return { rows, labels: predicted, scores, probabilities: null, classCount: 0, classLabels: null, regression: true };
}

/** The class probabilities of one row, as objects (only when a client asks for them). */
export function probabilitiesAt(batch: DecodedBatch, row: number): ClassProbability[] | null {
  if (!batch.probabilities) return null;
  const k = batch.classCount;
  const out: ClassProbability[] = new Array(k);
  for (let c = 0; c < k; c++) out[c] = { label: batch.classLabels![c]!, probability: batch.probabilities[row * k + c]! };
  return out;
}
