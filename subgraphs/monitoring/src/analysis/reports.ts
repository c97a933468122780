import type { FeatureDrift as StatsFeatureDrift } from '@modelplane/stats';

/**
 * What monitoring computes over a window of a model's predictions, as plain data: the analysis
 * produces it, the alert evaluator judges it, and the resolvers serve it as the GraphQL types
 * in types/ (which implement these shapes).
 */

/** The fields every windowed report starts with. */
export interface WindowReport {
  model: string;
  /** null: every version, shadow copies excluded. */
  version: number | null;
  windowSeconds: number;
  computedAt: Date;
}

export interface LatencyStats extends WindowReport {
  /** Requests (the rows of one predictBatch call count once). */
  count: number;
  /** Rows predicted. */
  predictions: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  meanMs: number | null;
  maxMs: number | null;
  errors: number;
  errorRate: number | null;
}

export interface AccuracyStats extends WindowReport {
  labelled: number;
  minLabels: number;
  insufficientData: boolean;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  positiveLabel: string | null;
  mae: number | null;
  rmse: number | null;
}

export enum DriftMethod {
  KS = 'KS',
  CHI_SQUARE = 'CHI_SQUARE',
  WASSERSTEIN_NORMED = 'WASSERSTEIN_NORMED',
  PSI = 'PSI',
  JENSEN_SHANNON = 'JENSEN_SHANNON',
}

export enum DriftReferenceSource {
  PROFILE = 'PROFILE',
  BASELINE = 'BASELINE',
  NONE = 'NONE',
}

export enum DriftFeatureType {
  NUMERIC = 'NUMERIC',
  CATEGORICAL = 'CATEGORICAL',
}

/** stats' verdict on one feature, its type and method as the GraphQL enums name them. */
export interface FeatureDrift extends Omit<StatsFeatureDrift, 'type' | 'method'> {
  type: DriftFeatureType;
  method: DriftMethod;
}

export interface DriftReport {
  model: string;
  version: number | null;
  reference: DriftReferenceSource;
  referenceSize: number;
  windowSeconds: number;
  sampleSize: number;
  drifted: boolean;
  share: number;
  driftedCount: number;
  featureCount: number;
  driftShareThreshold: number;
  insufficientData: boolean;
  reason: string | null;
  features: FeatureDrift[];
  prediction: FeatureDrift | null;
  computedAt: Date;
}
