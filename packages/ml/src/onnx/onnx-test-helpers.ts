import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { FeatureMatrix } from '../trainers/trainer-types';
import { ONNX_INPUT_NAME } from './onnx-conventions';

/**
 * Test helper: runs ONNX bytes with onnxruntime-node on a row-major matrix. Test files using it
 * need the docblock `@jest-environment ./packages/ml/test-support/onnxruntime-environment.js`.
 */
export async function runOnnx(
  bytes: Uint8Array,
  X: FeatureMatrix,
): Promise<{ session: InferenceSession; outputs: InferenceSession.OnnxValueMapType }> {
  const session = await InferenceSession.create(bytes);
  const width = X[0].length;
  const data = new Float64Array(X.length * width);
  X.forEach((row, i) => data.set(row, i * width));
  const outputs = await session.run({ [ONNX_INPUT_NAME]: new Tensor('float64', data, [X.length, width]) });
  return { session, outputs };
}
