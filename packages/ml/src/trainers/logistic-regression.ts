import {
  checkFeatureMatrix,
  checkPositiveInteger,
  checkRange,
  checkTrainingData,
  logLossFromMargin,
  sigmoid,
  type BinaryClassifier,
  type BinaryLabels,
  type FeatureMatrix,
  type ProgressCallback,
} from './trainer-types';

/**
 * Binary logistic regression on standardised features.
 *
 * Objective: (1/Σw) Σ wᵢ·logloss(yᵢ, σ(b + β·zᵢ)) + (l2/2)·‖β‖², where zᵢ are the features
 * standardised with the training mean and (population) standard deviation, wᵢ the class weight of
 * yᵢ, and the intercept b is not penalised. Standardising first makes the penalty treat features
 * alike and keeps the Hessian well conditioned.
 */

export type ClassWeight = 'none' | 'balanced' | { readonly 0: number; readonly 1: number };

export interface LogisticRegressionParams {
  /** 'newton' (default): Newton steps with backtracking, converges in a handful of iterations. */
  solver: 'newton' | 'gradient-descent';
  /** Step size: the fraction of the Newton step, or the gradient-descent learning rate. */
  learningRate: number;
  /** L2 penalty on the standardised coefficients (not on the intercept). */
  l2: number;
  maxIter: number;
  /** Stop when the largest absolute gradient component falls below this. */
  tolerance: number;
  /** 'balanced' weighs class c by n / (2·n_c), as scikit-learn does. */
  classWeight: ClassWeight;
}

export const DEFAULT_LOGISTIC_REGRESSION_PARAMS: Readonly<LogisticRegressionParams> = Object.freeze({
  solver: 'newton',
  learningRate: 1,
  l2: 1e-4,
  maxIter: 100,
  tolerance: 1e-8,
  classWeight: 'none',
});

/** Everything needed to predict, as plain JSON. */
export interface LogisticRegressionState {
  trainer: 'logistic-regression';
  params: LogisticRegressionParams;
  featureCount: number;
  mean: number[];
  std: number[];
  /** Coefficients on standardised features. */
  coefficients: number[];
  intercept: number;
  iterations: number;
  converged: boolean;
  loss: number;
}

function resolveClassWeights(classWeight: ClassWeight, y: BinaryLabels): [number, number] {
  if (classWeight === 'none') return [1, 1];
  if (classWeight === 'balanced') {
    let positives = 0;
    for (let i = 0; i < y.length; i++) positives += y[i];
    const negatives = y.length - positives;
    // A class absent from the data gets weight 1; it contributes no rows anyway.
    return [negatives > 0 ? y.length / (2 * negatives) : 1, positives > 0 ? y.length / (2 * positives) : 1];
  }
  const w: [number, number] = [classWeight[0], classWeight[1]];
  if (!w.every((v) => Number.isFinite(v) && v > 0)) throw new Error('classWeight values must be positive numbers');
  return w;
}

/** Solves A·x = b for a symmetric positive-definite A (Cholesky); a tiny ridge guards singular A. */
function solveSpd(A: number[][], b: number[]): number[] {
  const n = b.length;
  for (let attempt = 0, ridge = 0; attempt < 8; attempt++, ridge = ridge === 0 ? 1e-12 : ridge * 100) {
    const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let sum = A[i][j] + (i === j ? ridge : 0);
        for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
        if (i === j) {
          if (!(sum > 0)) {
            ok = false;
            break;
          }
          L[i][i] = Math.sqrt(sum);
        } else {
          L[i][j] = sum / L[j][j];
        }
      }
    }
    if (!ok) continue;
    const z = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let sum = b[i];
      for (let k = 0; k < i; k++) sum -= L[i][k] * z[k];
      z[i] = sum / L[i][i];
    }
    const x = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      let sum = z[i];
      for (let k = i + 1; k < n; k++) sum -= L[k][i] * x[k];
      x[i] = sum / L[i][i];
    }
    return x;
  }
  throw new Error('logistic regression: Hessian is not positive definite');
}

export class LogisticRegression implements BinaryClassifier<LogisticRegressionParams> {
  readonly trainer = 'logistic-regression' as const;
  private state: LogisticRegressionState | undefined;

  /** Rebuilds a trained model from `toState()` output. */
  static fromState(state: LogisticRegressionState): LogisticRegression {
    const model = new LogisticRegression();
    model.state = structuredClone(state);
    return model;
  }

  toState(): LogisticRegressionState {
    return structuredClone(this.trained());
  }

  get params(): Readonly<LogisticRegressionParams> {
    return this.trained().params;
  }

  get featureCount(): number {
    return this.trained().featureCount;
  }

  /** Iterations used, whether the gradient tolerance was reached, and the final objective. */
  get trainingSummary(): { iterations: number; converged: boolean; loss: number } {
    const { iterations, converged, loss } = this.trained();
    return { iterations, converged, loss };
  }

  /**
   * Coefficients on the raw (unstandardised) features: p = σ(intercept + Σ weights[j]·x[j]).
   * This is what the ONNX export uses.
   */
  rawCoefficients(): { weights: number[]; intercept: number } {
    const { mean, std, coefficients, intercept } = this.trained();
    const weights = coefficients.map((c, j) => c / std[j]);
    return { weights, intercept: intercept - coefficients.reduce((s, c, j) => s + (c * mean[j]) / std[j], 0) };
  }

  fit(X: FeatureMatrix, y: BinaryLabels, params: Partial<LogisticRegressionParams> = {}, onProgress?: ProgressCallback): this {
    const p: LogisticRegressionParams = { ...DEFAULT_LOGISTIC_REGRESSION_PARAMS, ...params };
    checkRange('learningRate', p.learningRate, 0, Infinity, true);
    checkRange('l2', p.l2, 0, Infinity);
    checkPositiveInteger('maxIter', p.maxIter);
    checkRange('tolerance', p.tolerance, 0, Infinity);
    if (p.solver !== 'newton' && p.solver !== 'gradient-descent') throw new Error(`unknown solver ${String(p.solver)}`);
    const { rows: n, features: f } = checkTrainingData(X, y);

    const mean = new Array<number>(f).fill(0);
    const std = new Array<number>(f).fill(0);
    for (const row of X) for (let j = 0; j < f; j++) mean[j] += row[j];
    for (let j = 0; j < f; j++) mean[j] /= n;
    for (const row of X) for (let j = 0; j < f; j++) std[j] += (row[j] - mean[j]) ** 2;
    for (let j = 0; j < f; j++) {
      std[j] = Math.sqrt(std[j] / n);
      if (!(std[j] > 1e-12 * Math.max(1, Math.abs(mean[j])))) {
        // A (near-)constant feature carries no information. Centring on the first value and
        // dividing by 1 makes an exactly constant column exactly 0, so it cannot mimic the intercept.
        mean[j] = X[0][j];
        std[j] = 1;
      }
    }
    const Z = X.map((row) => Float64Array.from(row, (v, j) => (v - mean[j]) / std[j]));
    const [w0, w1] = resolveClassWeights(p.classWeight, y);
    const weight = Float64Array.from({ length: n }, (_, i) => (y[i] === 1 ? w1 : w0));
    const totalWeight = weight.reduce((s, v) => s + v, 0);

    // theta = [β₀ … β_{f−1}, b]
    let theta = new Array<number>(f + 1).fill(0);
    const objective = (t: number[]): number => {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let m = t[f];
        for (let j = 0; j < f; j++) m += t[j] * Z[i][j];
        loss += weight[i] * logLossFromMargin(m, y[i]);
      }
      let penalty = 0;
      for (let j = 0; j < f; j++) penalty += t[j] * t[j];
      return loss / totalWeight + 0.5 * p.l2 * penalty;
    };
    const gradientAndHessian = (t: number[], withHessian: boolean): { grad: number[]; hess: number[][] } => {
      const grad = new Array<number>(f + 1).fill(0);
      const hess = withHessian ? Array.from({ length: f + 1 }, () => new Array<number>(f + 1).fill(0)) : [];
      const zi = new Array<number>(f + 1);
      for (let i = 0; i < n; i++) {
        let m = t[f];
        for (let j = 0; j < f; j++) m += t[j] * Z[i][j];
        const prob = sigmoid(m);
        const r = (weight[i] * (prob - y[i])) / totalWeight;
        for (let j = 0; j < f; j++) zi[j] = Z[i][j];
        zi[f] = 1;
        for (let j = 0; j <= f; j++) grad[j] += r * zi[j];
        if (withHessian) {
          const h = (weight[i] * prob * (1 - prob)) / totalWeight;
          for (let j = 0; j <= f; j++) for (let k = 0; k <= j; k++) hess[j][k] += h * zi[j] * zi[k];
        }
      }
      for (let j = 0; j < f; j++) grad[j] += p.l2 * t[j];
      if (withHessian) {
        for (let j = 0; j < f; j++) hess[j][j] += p.l2;
        for (let j = 0; j <= f; j++) for (let k = j + 1; k <= f; k++) hess[j][k] = hess[k][j];
      }
      return { grad, hess };
    };

    let loss = objective(theta);
    let iterations = 0;
    let converged = false;
    let reported = -1;
    const report = (fraction: number, step: number): void => {
      reported = fraction;
      onProgress?.(fraction, { step, totalSteps: p.maxIter, loss });
    };
    for (let iter = 1; iter <= p.maxIter; iter++) {
      const { grad, hess } = gradientAndHessian(theta, p.solver === 'newton');
      if (Math.max(...grad.map(Math.abs)) < p.tolerance) {
        converged = true;
        break;
      }
      iterations = iter;
      if (p.solver === 'newton') {
        const direction = solveSpd(hess, grad);
        // Backtracking keeps each step a descent step even far from the optimum.
        let step = p.learningRate;
        let candidate = theta.map((v, j) => v - step * direction[j]);
        let candidateLoss = objective(candidate);
        for (let halvings = 0; candidateLoss > loss && halvings < 30; halvings++) {
          step /= 2;
          candidate = theta.map((v, j) => v - step * direction[j]);
          candidateLoss = objective(candidate);
        }
        const improvement = loss - candidateLoss;
        theta = candidate;
        loss = candidateLoss;
        if (improvement >= 0 && improvement < p.tolerance * p.tolerance) converged = true;
      } else {
        theta = theta.map((v, j) => v - p.learningRate * grad[j]);
        loss = objective(theta);
      }
      report(converged ? 1 : iter / p.maxIter, iter);
      if (converged) break;
    }
    if (reported !== 1) report(1, iterations);

    this.state = {
      trainer: 'logistic-regression',
      params: { ...p, classWeight: typeof p.classWeight === 'object' ? { 0: p.classWeight[0], 1: p.classWeight[1] } : p.classWeight },
      featureCount: f,
      mean,
      std,
      coefficients: theta.slice(0, f),
      intercept: theta[f],
      iterations,
      converged,
      loss,
    };
    return this;
  }

  decisionFunction(X: FeatureMatrix): Float64Array {
    const { featureCount, mean, std, coefficients, intercept } = this.trained();
    checkFeatureMatrix(X, featureCount);
    return Float64Array.from(X, (row) => {
      let m = intercept;
      for (let j = 0; j < featureCount; j++) m += coefficients[j] * ((row[j] - mean[j]) / std[j]);
      return m;
    });
  }

  predictProba(X: FeatureMatrix): Float64Array {
    return this.decisionFunction(X).map(sigmoid);
  }

  predict(X: FeatureMatrix): Uint8Array {
    return Uint8Array.from(this.decisionFunction(X), (m) => (m >= 0 ? 1 : 0));
  }

  private trained(): LogisticRegressionState {
    if (!this.state) throw new Error('logistic regression is not trained yet: call fit() first');
    return this.state;
  }
}
