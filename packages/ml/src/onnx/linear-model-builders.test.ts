/** @jest-environment ./packages/ml/test-support/onnxruntime-environment.js */
import { buildLinearRegressionOnnx, buildLogisticRegressionOnnx, buildSoftmaxRegressionOnnx } from './linear-model-builders';
import { ONNX_METADATA_KEYS } from './onnx-conventions';
import { inspectOnnxModel } from './onnx-graph';
import { runOnnx } from './onnx-test-helpers';

const X = [
  [0, 0],
  [1, 2],
  [-3, 0.5],
  [2, -1],
];

describe('generic ONNX builders', () => {
  it('builds a binary logistic regression with label and [1 − p, p]', async () => {
    const bytes = buildLogisticRegressionOnnx({ weights: [0.5, -1], intercept: 0.25, featureCount: 2, featureNames: ['a', 'b'] });
    const { session, outputs } = await runOnnx(bytes, X);
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    const probabilities = Array.from(outputs.probabilities.data as Float64Array);
    X.forEach(([a, b], i) => {
      const p = 1 / (1 + Math.exp(-(0.25 + 0.5 * a - b)));
      expect(probabilities[2 * i + 1]).toBeCloseTo(p, 12);
      expect(probabilities[2 * i]).toBeCloseTo(1 - p, 12);
    });
    expect(Array.from(outputs.label.data as BigInt64Array, Number)).toEqual([1, 0, 0, 1]);
    expect(inspectOnnxModel(bytes).metadata).toEqual({
      [ONNX_METADATA_KEYS.task]: 'binary-classification',
      [ONNX_METADATA_KEYS.featureNames]: '["a","b"]',
    });
    await session.release();
  });

  it('builds a multiclass softmax model whose label is the most probable class', async () => {
    const weights = [
      [1, 0],
      [0, 1],
      [-1, -1],
    ];
    const intercepts = [0, 0.5, 0];
    const bytes = buildSoftmaxRegressionOnnx({ weights, intercepts, featureCount: 2, classCount: 3 });
    const { session, outputs } = await runOnnx(bytes, X);
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    expect(outputs.probabilities.dims).toEqual([4, 3]);
    const probabilities = outputs.probabilities.data as Float64Array;
    X.forEach((row, i) => {
      const logits = weights.map((w, k) => intercepts[k] + w[0] * row[0] + w[1] * row[1]);
      const z = logits.map((l) => Math.exp(l));
      const total = z.reduce((s, v) => s + v, 0);
      z.forEach((v, k) => expect(probabilities[3 * i + k]).toBeCloseTo(v / total, 12));
    });
    expect(Array.from(outputs.label.data as BigInt64Array, Number)).toEqual([1, 1, 2, 0]);
    expect(inspectOnnxModel(bytes).metadata[ONNX_METADATA_KEYS.classCount]).toBe('3');
    await session.release();
  });

  it('builds a linear regression with output variable [N, 1]', async () => {
    const bytes = buildLinearRegressionOnnx({ weights: [2, -0.5], intercept: 1, featureCount: 2 });
    const { session, outputs } = await runOnnx(bytes, X);
    expect(session.outputNames).toEqual(['variable']);
    expect(outputs.variable.type).toBe('float64');
    expect(outputs.variable.dims).toEqual([4, 1]);
    expect(Array.from(outputs.variable.data as Float64Array)).toEqual([1, 2, -5.25, 5.5]);
    await session.release();
  });

  it('validates coefficient shapes', () => {
    expect(() => buildLogisticRegressionOnnx({ weights: [1], intercept: 0, featureCount: 2 })).toThrow('1 weights for 2 features');
    expect(() => buildSoftmaxRegressionOnnx({ weights: [[1]], intercepts: [0], featureCount: 1 })).toThrow('at least 2 classes');
    expect(() => buildSoftmaxRegressionOnnx({ weights: [[1], [2]], intercepts: [0, 0], featureCount: 1, classCount: 3 })).toThrow(
      'classCount',
    );
    expect(() => buildLinearRegressionOnnx({ weights: [NaN], intercept: 0, featureCount: 1 })).toThrow('finite');
  });
});
