/** What every trainer in this package shares: input shapes, progress reporting, prediction API. */

/** Row-major features: one array of numbers per example, all of the same length. */
export type FeatureMatrix = readonly (readonly number[])[];

/** Binary labels (0 or 1) aligned with the rows of a FeatureMatrix. */
export type BinaryLabels = ArrayLike<number>;

export type TrainerName = 'logistic-regression' | 'gradient-boosting';

export interface TrainingProgress {
  /** Iterations (logistic regression) or boosting rounds done so far. */
  step: number;
  totalSteps: number;
  /** Training objective after this step (weighted log loss, plus the L2 term for logistic regression). */
  loss: number;
}

/** Called as training advances with the fraction done (0..1); the last call always has fraction 1. */
export type ProgressCallback = (fraction: number, info: TrainingProgress) => void;

export interface BinaryClassifier<P> {
  readonly trainer: TrainerName;
  /** Parameters used by the last fit (defaults merged in). */
  readonly params: Readonly<P>;
  readonly featureCount: number;
  fit(X: FeatureMatrix, y: BinaryLabels, params?: Partial<P>, onProgress?: ProgressCallback): this;
  /** Raw score (log-odds) of class 1 per row. */
  decisionFunction(X: FeatureMatrix): Float64Array;
  /** Probability of class 1 per row. */
  predictProba(X: FeatureMatrix): Float64Array;
  /** 1 where the probability of class 1 is at least 0.5 (decision function >= 0), else 0. */
  predict(X: FeatureMatrix): Uint8Array;
}

// Module-level references: inside a vm context (Jest) every global lookup such as `Math` goes
// through an interceptor, which made these hot functions several times slower.
const { exp, log1p, max, abs } = Math;

/** Logistic function, written so that large |x| neither overflows nor loses the small tail. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + exp(-x));
  const e = exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return max(x, 0) + log1p(exp(-abs(x)));
}

/** Log loss of one example from its margin: softplus(m) − y·m, exact even when σ(m) rounds to 0 or 1. */
export function logLossFromMargin(margin: number, y: number): number {
  return softplus(margin) - y * margin;
}

/** Checks shapes and label values; returns the number of rows and features. */
export function checkTrainingData(X: FeatureMatrix, y: BinaryLabels): { rows: number; features: number } {
  if (X.length === 0) throw new Error('cannot train on zero rows');
  if (X.length !== y.length) throw new Error(`X has ${X.length} rows but y has ${y.length} labels`);
  const features = checkFeatureMatrix(X);
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`label ${i} is ${y[i]}, expected 0 or 1`);
  }
  return { rows: X.length, features };
}

/** Checks that every row has the same width and only finite numbers; returns the width. */
export function checkFeatureMatrix(X: FeatureMatrix, expectedFeatures?: number): number {
  const features = expectedFeatures ?? (X.length > 0 ? X[0].length : 0);
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (row.length !== features) throw new Error(`row ${i} has ${row.length} features, expected ${features}`);
    for (let j = 0; j < features; j++) {
      if (!Number.isFinite(row[j])) throw new Error(`row ${i} feature ${j} is not a finite number`);
    }
  }
  return features;
}

export function checkPositiveInteger(name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${value}`);
}

export function checkRange(name: string, value: number, min: number, max: number, minExclusive = false): void {
  const ok = Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) throw new Error(`${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}], got ${value}`);
}
