import { createHash } from 'node:crypto';
import { buildLinearRegressionOnnx, buildLogisticRegressionOnnx, buildSoftmaxRegressionOnnx } from '@modelplane/ml';

/** A binary logistic regression and the probability it must give, computed independently. */
export function logisticModel(weights: number[], intercept: number) {
  const bytes = buildLogisticRegressionOnnx({ featureCount: weights.length, weights, intercept });
  return {
    bytes,
    base64: Buffer.from(bytes).toString('base64'),
    digest: createHash('sha256').update(bytes).digest('hex'),
    /** P(class 1) for an already-encoded row (categorical values as their index). */
    probability: (x: number[]) => 1 / (1 + Math.exp(-(intercept + weights.reduce((s, w, i) => s + w * x[i]!, 0)))),
  };
}

export function softmaxModelBase64(featureCount: number, classes: number): string {
  const weights = Array.from({ length: classes }, (_, k) => Array.from({ length: featureCount }, (_, j) => (k + 1) * 0.1 * (j + 1)));
  return Buffer.from(buildSoftmaxRegressionOnnx({ featureCount, weights, intercepts: weights.map(() => 0) })).toString('base64');
}

export function regressionModelBase64(featureCount: number): string {
  return Buffer.from(buildLinearRegressionOnnx({ featureCount, weights: Array(featureCount).fill(1), intercept: 0 })).toString('base64');
}
