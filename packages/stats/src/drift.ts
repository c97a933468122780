// Data drift engine with Evidently's default method choice: a statistical test while the reference
// is small (p-values are meaningful), a distance with a fixed threshold once it is large (a test
// would flag any difference, however small). Pure functions: no I/O, no clock, no randomness.

import { alignCategoryCounts, categoryCounts, histogramCounts, quantileBinEdgesSorted, type CategoryValue } from './binning';
import { chiSquareHomogeneity } from './chi-square-test';
import { std } from './descriptive';
import { jensenShannonDistance, populationStabilityIndex, wassersteinDistanceSorted, WASSERSTEIN_MIN_NORM } from './distance';
import { ks2SampSorted } from './ks-test';

export type FeatureType = 'NUMERIC' | 'CATEGORICAL';

/** KS and CHI_SQUARE are tests (drift when p < threshold); the others are distances (drift when >= threshold). */
export type DriftMethod = 'KS' | 'CHI_SQUARE' | 'WASSERSTEIN_NORMED' | 'PSI' | 'JENSEN_SHANNON';

/** A numeric reference summarised ahead of time, e.g. from the training set. */
export interface NumericProfile {
  /** Ascending bin edges, one more than `counts` (see histogramCounts for the bin rule). */
  edges: readonly number[];
  /** Reference counts per bin; their sum is the reference size. */
  counts: readonly number[];
  /** A uniform sample of the reference values, for KS and Wasserstein. */
  sample: readonly number[];
}

/** A categorical reference summarised as counts per category. */
export interface CategoricalProfile {
  counts: Readonly<Record<string, number>>;
}

export interface NumericColumn {
  feature: string;
  type: 'NUMERIC';
  /** Raw reference values or a profile. null, undefined, NaN and ±Infinity count as missing. */
  reference: readonly (number | null | undefined)[] | NumericProfile;
  current: readonly (number | null | undefined)[];
}

export interface CategoricalColumn {
  feature: string;
  type: 'CATEGORICAL';
  /** Raw reference values or a profile. null, undefined and NaN count as missing; values compare as strings. */
  reference: readonly CategoryValue[] | CategoricalProfile;
  current: readonly CategoryValue[];
}

export type DriftColumn = NumericColumn | CategoricalColumn;

export interface DriftInput {
  features: readonly DriftColumn[];
  /** The model output, checked the same way but reported on its own (prediction drift). */
  prediction?: DriftColumn;
}

export interface DriftOptions {
  /** Fewer current rows than this: no verdicts. Also the least data either side of a feature needs. */
  minSampleSize: number;
  /** The dataset drifts when the share of drifted features is at least this. */
  driftShareThreshold: number;
  /** References with at most this many values are tested (KS, chi-square); larger ones use distances. */
  smallSampleLimit: number;
  /** Significance level of the tests, before any Bonferroni correction. */
  pValueThreshold: number;
  /** Divide pValueThreshold by the number of features tested with a p-value. */
  bonferroni: boolean;
  /** Distance for large numeric references; Evidently's default is the normed Wasserstein distance. */
  numericLargeSampleMethod: 'WASSERSTEIN_NORMED' | 'PSI';
  wassersteinThreshold: number;
  psiThreshold: number;
  jensenShannonThreshold: number;
  /** Quantile bins of the reference used for PSI when the reference is raw values. */
  psiBins: number;
  /** Numeric columns with at most this many distinct values are treated as categorical (Evidently: 5); 0 turns it off. */
  lowCardinalityLimit: number;
}

export const DEFAULT_DRIFT_OPTIONS: Readonly<DriftOptions> = Object.freeze({
  minSampleSize: 30,
  driftShareThreshold: 0.5,
  smallSampleLimit: 1000,
  pValueThreshold: 0.05,
  bonferroni: true,
  numericLargeSampleMethod: 'WASSERSTEIN_NORMED',
  wassersteinThreshold: 0.1,
  psiThreshold: 0.1,
  jensenShannonThreshold: 0.1,
  psiBins: 10,
  lowCardinalityLimit: 5,
});

export interface FeatureDrift {
  feature: string;
  type: FeatureType;
  method: DriftMethod;
  /** KS D, chi-square statistic or the distance; null when there was too little data. */
  statistic: number | null;
  /** Null for distances and when there was too little data. */
  pValue: number | null;
  /** Alpha (after Bonferroni) for tests, the distance threshold otherwise. */
  threshold: number;
  drifted: boolean;
  /** Non-missing current values. */
  sampleSize: number;
  /** Non-missing reference values (a profile's total count). */
  referenceSize: number;
  /** True when no verdict was made for lack of data. */
  insufficientData: boolean;
}

export interface DatasetDrift {
  /** share >= driftShareThreshold, never true with insufficient data. */
  drifted: boolean;
  /** driftedCount / featureCount (0 without features). */
  share: number;
  driftedCount: number;
  featureCount: number;
  /** Current rows (the longest current column, missing values included). */
  sampleSize: number;
  /** sampleSize < minSampleSize: no verdicts were made. */
  insufficientData: boolean;
}

export interface DriftReport {
  dataset: DatasetDrift;
  features: FeatureDrift[];
  prediction: FeatureDrift | null;
}

const TEST_METHODS: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['KS', 'CHI_SQUARE']);

function validateOptions(o: DriftOptions): void {
  const positiveInteger = (name: keyof DriftOptions, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  positiveInteger('minSampleSize', o.minSampleSize, 1);
  positiveInteger('smallSampleLimit', o.smallSampleLimit, 0);
  positiveInteger('psiBins', o.psiBins, 1);
  positiveInteger('lowCardinalityLimit', o.lowCardinalityLimit, 0);
  if (!(o.pValueThreshold > 0 && o.pValueThreshold < 1))
    throw new RangeError(`pValueThreshold must be in (0, 1), got ${o.pValueThreshold}`);
  if (!(o.driftShareThreshold > 0 && o.driftShareThreshold <= 1)) {
    throw new RangeError(`driftShareThreshold must be in (0, 1], got ${o.driftShareThreshold}`);
  }
  for (const name of ['wassersteinThreshold', 'psiThreshold', 'jensenShannonThreshold'] as const) {
    if (!(o[name] > 0)) throw new RangeError(`${name} must be positive, got ${o[name]}`);
  }
  if (o.numericLargeSampleMethod !== 'WASSERSTEIN_NORMED' && o.numericLargeSampleMethod !== 'PSI') {
    throw new RangeError(`numericLargeSampleMethod must be WASSERSTEIN_NORMED or PSI, got ${String(o.numericLargeSampleMethod)}`);
  }
}

function isNumericProfile(reference: NumericColumn['reference']): reference is NumericProfile {
  return !Array.isArray(reference);
}

function isCategoricalProfile(reference: CategoricalColumn['reference']): reference is CategoricalProfile {
  return !Array.isArray(reference);
}

function sortedFinite(values: readonly (number | null | undefined)[]): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) out[n++] = v;
  return out.subarray(0, n).sort();
}

/** Distinct values across two sorted samples, counting no further than `limit + 1`. */
function distinctUpTo(a: Float64Array, b: Float64Array, limit: number): number {
  let i = 0;
  let j = 0;
  let distinct = 0;
  while ((i < a.length || j < b.length) && distinct <= limit) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    distinct++;
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
  }
  return distinct;
}

function validateProfile(feature: string, profile: NumericProfile): void {
  const { edges, counts } = profile;
  if (edges.length !== counts.length + 1 || counts.length === 0) {
    throw new RangeError(`${feature}: a numeric profile needs k >= 1 counts and k + 1 edges`);
  }
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] >= edges[i - 1])) throw new RangeError(`${feature}: profile edges must be ascending`);
  }
  for (const c of counts) if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`${feature}: profile counts must be non-negative`);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** What one column needs once its data is prepared: a method and a way to score it. */
interface PreparedColumn {
  feature: string;
  type: FeatureType;
  method: DriftMethod;
  sampleSize: number;
  referenceSize: number;
  /** Size of the reference data the chosen method actually reads (a profile's sample, say). */
  methodReferenceSize: number;
  score: () => { statistic: number; pValue: number | null };
}

function prepareCategorical(
  feature: string,
  type: FeatureType,
  reference: Map<string, number>,
  current: Map<string, number>,
  options: DriftOptions,
  referenceSize: number,
): PreparedColumn {
  const aligned = alignCategoryCounts(reference, current);
  const method: DriftMethod = referenceSize <= options.smallSampleLimit ? 'CHI_SQUARE' : 'JENSEN_SHANNON';
  return {
    feature,
    type,
    method,
    sampleSize: sum(aligned.current),
    referenceSize,
    methodReferenceSize: sum(aligned.reference),
    score: () => {
      if (method === 'CHI_SQUARE') {
        const result = chiSquareHomogeneity(aligned.reference, aligned.current);
        return { statistic: result.statistic, pValue: result.pValue };
      }
      return { statistic: jensenShannonDistance(aligned.reference, aligned.current), pValue: null };
    },
  };
}

function sortedCounts(sorted: Float64Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) {
    const key = String(sorted[i]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function prepareNumeric(column: NumericColumn, options: DriftOptions): PreparedColumn {
  const { feature } = column;
  const profile = isNumericProfile(column.reference) ? column.reference : null;
  if (profile) validateProfile(feature, profile);
  const referenceSample = sortedFinite(profile ? profile.sample : (column.reference as readonly (number | null | undefined)[]));
  const current = sortedFinite(column.current);
  const referenceSize = profile ? sum(profile.counts) : referenceSample.length;

  if (
    options.lowCardinalityLimit > 0 &&
    distinctUpTo(referenceSample, current, options.lowCardinalityLimit) <= options.lowCardinalityLimit
  ) {
    // Few distinct values: KS and Wasserstein say little about a handful of atoms; compare frequencies.
    return prepareCategorical(feature, 'NUMERIC', sortedCounts(referenceSample), sortedCounts(current), options, referenceSize);
  }

  const small = referenceSize <= options.smallSampleLimit;
  const method: DriftMethod = small ? 'KS' : options.numericLargeSampleMethod;
  const base = { feature, type: 'NUMERIC' as const, method, sampleSize: current.length, referenceSize };
  if (method === 'KS') {
    return {
      ...base,
      methodReferenceSize: referenceSample.length,
      score: () => {
        const ks = ks2SampSorted(referenceSample, current);
        return { statistic: ks.statistic, pValue: ks.pValue };
      },
    };
  }
  if (method === 'WASSERSTEIN_NORMED') {
    return {
      ...base,
      methodReferenceSize: referenceSample.length,
      score: () => ({
        statistic: wassersteinDistanceSorted(referenceSample, current) / Math.max(std(referenceSample), WASSERSTEIN_MIN_NORM),
        pValue: null,
      }),
    };
  }
  return {
    ...base,
    methodReferenceSize: profile ? referenceSize : referenceSample.length,
    score: () => {
      const edges = profile ? profile.edges : quantileBinEdgesSorted(referenceSample, options.psiBins);
      const referenceCounts = profile ? profile.counts : histogramCounts(referenceSample, edges);
      return { statistic: populationStabilityIndex(referenceCounts, histogramCounts(current, edges)), pValue: null };
    },
  };
}

function profileCounts(feature: string, profile: CategoricalProfile): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [category, count] of Object.entries(profile.counts)) {
    if (!(count >= 0) || !Number.isFinite(count)) throw new RangeError(`${feature}: profile counts must be non-negative`);
    if (count > 0) counts.set(category, count);
  }
  return counts;
}

function prepareColumn(column: DriftColumn, options: DriftOptions): PreparedColumn {
  if (column.type === 'NUMERIC') return prepareNumeric(column, options);
  if (column.type !== 'CATEGORICAL') {
    // Reachable from untyped callers (GraphQL input, JSON).
    const unknown = column as { feature?: unknown; type?: unknown };
    throw new RangeError(`${String(unknown.feature)}: unknown feature type ${String(unknown.type)}`);
  }
  const reference = isCategoricalProfile(column.reference)
    ? profileCounts(column.feature, column.reference)
    : categoryCounts(column.reference);
  const referenceSize = sum([...reference.values()]);
  return prepareCategorical(column.feature, 'CATEGORICAL', reference, categoryCounts(column.current), options, referenceSize);
}

function thresholdFor(method: DriftMethod, alpha: number, options: DriftOptions): number {
  switch (method) {
    case 'KS':
    case 'CHI_SQUARE':
      return alpha;
    case 'WASSERSTEIN_NORMED':
      return options.wassersteinThreshold;
    case 'PSI':
      return options.psiThreshold;
    case 'JENSEN_SHANNON':
      return options.jensenShannonThreshold;
  }
}

function hasEnoughData(column: PreparedColumn, datasetInsufficient: boolean, options: DriftOptions): boolean {
  return !datasetInsufficient && column.sampleSize >= options.minSampleSize && column.methodReferenceSize >= options.minSampleSize;
}

function evaluate(column: PreparedColumn, enough: boolean, alpha: number, options: DriftOptions): FeatureDrift {
  const threshold = thresholdFor(column.method, alpha, options);
  const result: FeatureDrift = {
    feature: column.feature,
    type: column.type,
    method: column.method,
    statistic: null,
    pValue: null,
    threshold,
    drifted: false,
    sampleSize: column.sampleSize,
    referenceSize: column.referenceSize,
    insufficientData: !enough,
  };
  if (!enough) return result;
  const { statistic, pValue } = column.score();
  result.statistic = statistic;
  result.pValue = pValue;
  result.drifted = pValue !== null ? pValue < threshold : statistic >= threshold;
  return result;
}

/**
 * Checks every feature (and the prediction, if given) for drift between reference and current
 * data and summarises the dataset. Tests use alpha = pValueThreshold, divided by the number of
 * features that get a test verdict when Bonferroni is on; the prediction is judged on its own at
 * the uncorrected alpha and does not count towards the dataset share.
 */
export function detectDrift(input: DriftInput, options: Partial<DriftOptions> = {}): DriftReport {
  const opts: DriftOptions = { ...DEFAULT_DRIFT_OPTIONS, ...options };
  validateOptions(opts);
  const seen = new Set<string>();
  for (const column of input.features) {
    if (seen.has(column.feature)) throw new RangeError(`feature ${column.feature} appears twice`);
    seen.add(column.feature);
  }

  const columns = [...input.features, ...(input.prediction ? [input.prediction] : [])];
  const sampleSize = columns.reduce((max, column) => Math.max(max, column.current.length), 0);
  const datasetInsufficient = sampleSize < opts.minSampleSize;

  const features = input.features.map((column) => prepareColumn(column, opts));
  const enough = features.map((column) => hasEnoughData(column, datasetInsufficient, opts));
  const tested = features.filter((column, i) => enough[i] && TEST_METHODS.has(column.method)).length;
  const alpha = opts.bonferroni && tested > 1 ? opts.pValueThreshold / tested : opts.pValueThreshold;
  const featureResults = features.map((column, i) => evaluate(column, enough[i], alpha, opts));

  let prediction: FeatureDrift | null = null;
  if (input.prediction) {
    const column = prepareColumn(input.prediction, opts);
    prediction = evaluate(column, hasEnoughData(column, datasetInsufficient, opts), opts.pValueThreshold, opts);
  }

  const driftedCount = featureResults.filter((f) => f.drifted).length;
  const featureCount = featureResults.length;
  const share = featureCount === 0 ? 0 : driftedCount / featureCount;
  return {
    dataset: {
      drifted: !datasetInsufficient && featureCount > 0 && share >= opts.driftShareThreshold,
      share,
      driftedCount,
      featureCount,
      sampleSize,
      insufficientData: datasetInsufficient,
    },
    features: featureResults,
    prediction,
  };
}
