/** @jest-environment ./packages/ml/test-support/onnxruntime-environment.js */
import { loadRainTomorrowSplit, toMatrix } from '../datasets/weather-dataset';
import { GradientBoostingClassifier } from '../trainers/gradient-boosting';
import { LogisticRegression } from '../trainers/logistic-regression';
import type { BinaryClassifier } from '../trainers/trainer-types';
import { ONNX_METADATA_KEYS } from './onnx-conventions';
import { toOnnx, onnxModelMetadata, type ExportableModel } from './onnx-export';
import { inspectOnnxModel } from './onnx-graph';
import { runOnnx } from './onnx-test-helpers';

const { train, test } = loadRainTomorrowSplit('Seattle');
const trainM = toMatrix(train.rows);
const testM = toMatrix(test.rows);

async function expectOnnxMatchesTrainer(model: ExportableModel & BinaryClassifier<unknown>, X: number[][]): Promise<void> {
  const { session, outputs } = await runOnnx(toOnnx(model), X);
  const expected = model.predictProba(X);
  const expectedLabels = model.predict(X);
  const probabilities = outputs.probabilities.data as Float64Array;
  const labels = outputs.label.data as BigInt64Array;
  expect(outputs.probabilities.type).toBe('float64');
  expect(outputs.probabilities.dims).toEqual([X.length, 2]);
  expect(outputs.label.type).toBe('int64');
  expect(outputs.label.dims).toEqual([X.length]);
  let worst = 0;
  for (let i = 0; i < X.length; i++) {
    worst = Math.max(worst, Math.abs(probabilities[2 * i + 1] - expected[i]), Math.abs(probabilities[2 * i] - (1 - expected[i])));
  }
  expect(worst).toBeLessThan(1e-5);
  expect(Array.from(labels, Number)).toEqual(Array.from(expectedLabels));
  await session.release();
}

describe('ONNX export of trained models', () => {
  it('logistic regression gives the trainer’s probabilities and labels on the whole 2015 test split', async () => {
    const model = new LogisticRegression().fit(trainM.X, trainM.y, { classWeight: 'balanced', l2: 0.01 });
    await expectOnnxMatchesTrainer(model, testM.X);
  });

  it('gradient boosting gives the trainer’s probabilities and labels on the whole 2015 test split', async () => {
    const model = new GradientBoostingClassifier().fit(trainM.X, trainM.y, { rounds: 150, maxDepth: 4, subsample: 0.8, seed: 7 });
    await expectOnnxMatchesTrainer(model, testM.X);
  });

  it('gradient boosting agrees on the drifted New York population too', async () => {
    const model = new GradientBoostingClassifier().fit(trainM.X, trainM.y);
    await expectOnnxMatchesTrainer(model, toMatrix(loadRainTomorrowSplit('New York').test.rows).X);
  });

  it('keeps splits between values that are equal in float32', async () => {
    // 4.8 and 4.800000000000001 are one float32; a float graph would send both the same way.
    const X = Array.from({ length: 40 }, (_, i) => [i % 2 === 0 ? 4.8 : 4.800000000000001]);
    const y = X.map((row) => (row[0] > 4.8 ? 1 : 0));
    const model = new GradientBoostingClassifier().fit(X, y, { rounds: 5, maxDepth: 1, minSamplesLeaf: 1, learningRate: 1 });
    expect(Array.from(model.predict(X))).toEqual(y);
    await expectOnnxMatchesTrainer(model, X);
  });

  it('exports trees that are a single leaf', async () => {
    const model = new GradientBoostingClassifier().fit(trainM.X, trainM.y, { rounds: 3, minGain: 1e9 });
    expect(model.trees.every((t) => t.feature.length === 1)).toBe(true);
    await expectOnnxMatchesTrainer(model, testM.X.slice(0, 20));
  });

  it('exposes the documented input and outputs', async () => {
    const model = new GradientBoostingClassifier().fit(trainM.X, trainM.y, { rounds: 5 });
    const { session } = await runOnnx(toOnnx(model), testM.X.slice(0, 1));
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    await session.release();
  });

  it('embeds versions, signature and model metadata in the ModelProto', () => {
    const model = new LogisticRegression().fit(trainM.X, trainM.y);
    const info = inspectOnnxModel(toOnnx(model, { featureNames: train.featureNames, metadata: { 'dataset.digest': 'abc' } }));
    expect(info.irVersion).toBe(8);
    expect(info.opsets).toEqual({ '': 13, 'ai.onnx.ml': 3 });
    expect(info.producerName).toBe('modelplane-ml');
    expect(info.inputs).toEqual([{ name: 'features', elemType: 'DOUBLE', dims: ['N', 6] }]);
    expect(info.outputs).toEqual([
      { name: 'label', elemType: 'INT64', dims: ['N'] },
      { name: 'probabilities', elemType: 'DOUBLE', dims: ['N', 2] },
    ]);
    expect(info.metadata).toEqual({ ...onnxModelMetadata(model, { featureNames: train.featureNames }), 'dataset.digest': 'abc' });
    expect(JSON.parse(info.metadata[ONNX_METADATA_KEYS.featureNames])).toEqual(train.featureNames);
    expect(info.metadata[ONNX_METADATA_KEYS.trainer]).toBe('logistic-regression');
    expect(JSON.parse(info.metadata[ONNX_METADATA_KEYS.params])).toMatchObject({ l2: 1e-4, solver: 'newton' });
  });

  it('encodes the same model to the same bytes', () => {
    const a = new GradientBoostingClassifier().fit(trainM.X, trainM.y, { rounds: 10 });
    const b = new GradientBoostingClassifier().fit(trainM.X, trainM.y, { rounds: 10 });
    expect(Buffer.from(toOnnx(b)).equals(Buffer.from(toOnnx(a)))).toBe(true);
  });

  it('refuses feature names that do not match the model', () => {
    const model = new LogisticRegression().fit(trainM.X, trainM.y);
    expect(() => toOnnx(model, { featureNames: ['a'] })).toThrow('1 feature names for a model with 6 features');
  });
});
