import { canonicalJson } from '../canonical-json';
import { accuracy, logLoss, rocAuc, thresholdPredictions } from '../evaluation/metrics';
import { deriveSeed, mulberry32, shuffleInPlace, type RandomSource } from '../random';
import { checkPositiveInteger, checkTrainingData, type BinaryClassifier, type BinaryLabels, type FeatureMatrix } from './trainer-types';

/**
 * Grid or random hyper-parameter search scored by k-fold cross-validation. Folds, random
 * candidates and therefore the result are fixed by the seed.
 */

export type SearchMetric = 'rocAuc' | 'logLoss' | 'accuracy';

/** A numeric parameter drawn uniformly (or log-uniformly) from [min, max] by random search. */
export interface NumericRange {
  min: number;
  max: number;
  scale?: 'linear' | 'log';
  integer?: boolean;
}

/** Values to try per parameter: a list (grid and random search) or a range (random search only). */
export type ParamSpace<P> = { [K in keyof P]?: readonly P[K][] | NumericRange };

export interface HyperparameterSearchOptions<P> {
  /** A fresh, untrained model for every fit. */
  createModel: () => BinaryClassifier<P>;
  space: ParamSpace<P>;
  /** 'grid' (default) tries every combination of the lists; 'random' draws `iterations` candidates. */
  strategy?: 'grid' | 'random';
  iterations?: number;
  /** Number of folds (default 5). */
  folds?: number;
  /**
   * true (default): stratified folds from shuffled rows. false: contiguous blocks in row order,
   * which leaks less between neighbouring days of a time series.
   */
  shuffle?: boolean;
  seed?: number;
  metric?: SearchMetric;
  /** Parameters shared by every candidate (a candidate's own values win). */
  baseParams?: Partial<P>;
  /** Called after every fold fit with the fraction of all fits done. */
  onProgress?: (fraction: number, info: { candidate: number; fold: number; candidates: number; folds: number }) => void;
}

export interface CandidateResult<P> {
  params: Partial<P>;
  foldScores: number[];
  meanScore: number;
  stdScore: number;
  /** 1 = best. */
  rank: number;
}

export interface HyperparameterSearchResult<P> {
  metric: SearchMetric;
  greaterIsBetter: boolean;
  /** baseParams merged with the best candidate: pass to fit() on the full training set. */
  bestParams: Partial<P>;
  bestScore: number;
  /** In the order they were evaluated. */
  candidates: CandidateResult<P>[];
  /** Held-out row indices of every fold. */
  folds: number[][];
}

/** Held-out indices of k stratified folds: each class shuffled with the seed, then dealt round-robin. */
export function stratifiedKFold(y: BinaryLabels, k: number, seed: number): number[][] {
  checkPositiveInteger('folds', k, 2);
  const random = mulberry32(seed);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const label of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === label) members.push(i);
    if (members.length > 0 && members.length < k) throw new Error(`class ${label} has ${members.length} rows, fewer than ${k} folds`);
    // Continue dealing where the previous class stopped so fold sizes differ by at most one.
    for (const i of shuffleInPlace(members, random)) folds[next++ % k].push(i);
  }
  return folds.map((fold) => fold.sort((a, b) => a - b));
}

/** Held-out indices of k contiguous blocks in row order (sizes differ by at most one). */
export function contiguousKFold(n: number, k: number): number[][] {
  checkPositiveInteger('folds', k, 2);
  if (n < k) throw new Error(`${n} rows cannot make ${k} folds`);
  return Array.from({ length: k }, (_, f) => {
    const start = Math.floor((f * n) / k);
    const end = Math.floor(((f + 1) * n) / k);
    return Array.from({ length: end - start }, (_, i) => start + i);
  });
}

function isRange(value: unknown): value is NumericRange {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'min' in value && 'max' in value;
}

/** Every combination of the listed values, the last parameter varying fastest. */
export function gridCandidates<P>(space: ParamSpace<P>): Partial<P>[] {
  let candidates: Record<string, unknown>[] = [{}];
  for (const [name, values] of Object.entries(space) as [string, unknown][]) {
    if (values === undefined) continue;
    if (!Array.isArray(values)) throw new Error(`grid search needs a list of values for ${name}`);
    if (values.length === 0) throw new Error(`no values to try for ${name}`);
    candidates = candidates.flatMap((c) => values.map((v: unknown) => ({ ...c, [name]: v })));
  }
  return candidates as Partial<P>[];
}

function drawValue(values: readonly unknown[] | NumericRange, random: RandomSource): unknown {
  if (!isRange(values)) return values[Math.floor(random() * values.length)];
  const { min, max, scale = 'linear', integer = false } = values;
  if (!(max >= min) || (scale === 'log' && !(min > 0))) throw new Error(`bad range [${min}, ${max}] (${scale})`);
  const u = random();
  const x = scale === 'log' ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
  return integer ? Math.min(max, Math.max(min, Math.round(x))) : x;
}

/** `count` distinct random candidates (fewer if the space is smaller). */
export function randomCandidates<P>(space: ParamSpace<P>, count: number, seed: number): Partial<P>[] {
  checkPositiveInteger('iterations', count);
  const random = mulberry32(seed);
  const seen = new Set<string>();
  const candidates: Partial<P>[] = [];
  for (let attempt = 0; candidates.length < count && attempt < count * 50; attempt++) {
    const candidate: Record<string, unknown> = {};
    for (const [name, values] of Object.entries(space) as [string, readonly unknown[] | NumericRange | undefined][]) {
      if (values !== undefined) candidate[name] = drawValue(values, random);
    }
    const key = canonicalJson(candidate);
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(candidate as Partial<P>);
  }
  return candidates;
}

function score(metric: SearchMetric, y: BinaryLabels, probabilities: Float64Array): number {
  if (metric === 'rocAuc') return rocAuc(y, probabilities);
  if (metric === 'logLoss') return logLoss(y, probabilities);
  return accuracy(y, thresholdPredictions(probabilities));
}

export function hyperparameterSearch<P>(
  X: FeatureMatrix,
  y: BinaryLabels,
  options: HyperparameterSearchOptions<P>,
): HyperparameterSearchResult<P> {
  const { rows: n } = checkTrainingData(X, y);
  const metric = options.metric ?? 'rocAuc';
  const seed = options.seed ?? 0;
  const k = options.folds ?? 5;
  const greaterIsBetter = metric !== 'logLoss';
  const folds = options.shuffle === false ? contiguousKFold(n, k) : stratifiedKFold(y, k, deriveSeed(seed, 0));
  const candidates =
    options.strategy === 'random'
      ? randomCandidates(options.space, options.iterations ?? 10, deriveSeed(seed, 1))
      : gridCandidates(options.space);
  if (candidates.length === 0) throw new Error('no candidates to evaluate');

  // Build each fold's training/held-out matrices once, not once per candidate.
  const splits = folds.map((heldOut) => {
    const isHeldOut = new Uint8Array(n);
    for (const i of heldOut) isHeldOut[i] = 1;
    const trainIdx = Array.from({ length: n }, (_, i) => i).filter((i) => !isHeldOut[i]);
    return {
      trainX: trainIdx.map((i) => X[i]),
      trainY: Uint8Array.from(trainIdx, (i) => y[i]),
      testX: heldOut.map((i) => X[i]),
      testY: Uint8Array.from(heldOut, (i) => y[i]),
    };
  });

  const totalFits = candidates.length * splits.length;
  const results: CandidateResult<P>[] = candidates.map((candidate, c) => {
    const params = { ...options.baseParams, ...candidate } as Partial<P>;
    const foldScores = splits.map((split, f) => {
      const model = options.createModel().fit(split.trainX, split.trainY, params);
      const s = score(metric, split.testY, model.predictProba(split.testX));
      options.onProgress?.((c * splits.length + f + 1) / totalFits, { candidate: c, fold: f, candidates: candidates.length, folds: k });
      return s;
    });
    const meanScore = foldScores.reduce((s, v) => s + v, 0) / foldScores.length;
    const stdScore = Math.sqrt(foldScores.reduce((s, v) => s + (v - meanScore) ** 2, 0) / foldScores.length);
    return { params: candidate, foldScores, meanScore, stdScore, rank: 0 };
  });

  // NaN (e.g. AUC of a one-class fold) ranks last; ties keep evaluation order.
  const better = (a: number, b: number): number => {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return greaterIsBetter ? b - a : a - b;
  };
  const order = results.map((_, i) => i).sort((a, b) => better(results[a].meanScore, results[b].meanScore) || a - b);
  order.forEach((index, position) => (results[index].rank = position + 1));
  const best = results[order[0]];
  return {
    metric,
    greaterIsBetter,
    bestParams: { ...options.baseParams, ...best.params } as Partial<P>,
    bestScore: best.meanScore,
    candidates: results,
    folds,
  };
}
