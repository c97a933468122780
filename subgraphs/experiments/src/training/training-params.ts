import { BadUserInputError } from '@modelplane/core';
import type { TrainingRequest } from '../entities/run.entity';

/**
 * The `params` of triggerRetraining (and an experiment's defaults): a flat JSON object as an
 * MLflow user would write it, e.g. `{ "trainer": "gradient-boosting", "rounds": 50,
 * "search": { "space": { "maxDepth": [2, 3] } } }`. Checked completely before a run is queued,
 * so a bad value is a BAD_USER_INPUT at the call, not a failed job later.
 */
export type TrainerName = 'logistic-regression' | 'gradient-boosting';
export const TRAINERS: readonly TrainerName[] = ['logistic-regression', 'gradient-boosting'];
export const DEFAULT_SEED = 42;

type Check = (value: unknown) => string | null;

const number =
  (min: number, max: number, opts: { integer?: boolean; minExclusive?: boolean } = {}): Check =>
  (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
    if (opts.integer && !Number.isInteger(v)) return 'must be an integer';
    if (opts.minExclusive ? v <= min : v < min) return `must be ${opts.minExclusive ? '>' : '>='} ${min}`;
    if (v > max) return `must be <= ${max}`;
    return null;
  };
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`;
const classWeight: Check = (v) => {
  if (v === 'none' || v === 'balanced') return null;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const w = v as Record<string, unknown>;
    const keys = Object.keys(w).sort().join(',');
    if (keys === '0,1' && [w['0'], w['1']].every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) return null;
  }
  return 'must be "none", "balanced" or { "0": w0, "1": w1 } with positive weights';
};

export const HYPERPARAMETERS: Record<TrainerName, Record<string, Check>> = {
  'logistic-regression': {
    solver: oneOf('newton', 'gradient-descent'),
    learningRate: number(0, 100, { minExclusive: true }),
    l2: number(0, 1e6),
    maxIter: number(1, 100_000, { integer: true }),
    tolerance: number(0, 1, { minExclusive: true }),
    classWeight,
  },
  'gradient-boosting': {
    rounds: number(1, 5000, { integer: true }),
    maxDepth: number(1, 12, { integer: true }),
    learningRate: number(0, 1, { minExclusive: true }),
    minSamplesLeaf: number(1, 1_000_000, { integer: true }),
    subsample: number(0, 1, { minExclusive: true }),
    maxBins: number(2, 255, { integer: true }),
    minGain: number(0, 1e6),
    l2: number(0, 1e6),
  },
};

export interface NumericRangeSpec {
  min: number;
  max: number;
  scale?: 'linear' | 'log';
  integer?: boolean;
}

export interface SearchSpec {
  strategy: 'grid' | 'random';
  space: Record<string, unknown[] | NumericRangeSpec>;
  folds: number;
  iterations: number;
  metric: 'rocAuc' | 'logLoss' | 'accuracy';
  shuffle: boolean;
}

export interface TrainingPlan extends TrainingRequest {
  trainer: TrainerName;
  search: (SearchSpec & Record<string, unknown>) | null;
}

const TOP_LEVEL = new Set(['trainer', 'seed', 'dataset', 'includeFeedback', 'search']);
const SEARCH_KEYS = new Set(['strategy', 'space', 'folds', 'iterations', 'metric', 'shuffle']);
const MAX_FITS = 500;

function fail(message: string): never {
  throw new BadUserInputError(`params: ${message}`, { argument: 'params' });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseSearch(raw: unknown, trainer: TrainerName): SearchSpec & Record<string, unknown> {
  if (!isObject(raw)) fail('search must be an object { strategy, space, folds, iterations, metric, shuffle }');
  for (const key of Object.keys(raw)) if (!SEARCH_KEYS.has(key)) fail(`search.${key} is not a search option`);
  const strategy = raw.strategy ?? 'grid';
  if (strategy !== 'grid' && strategy !== 'random') fail('search.strategy must be grid or random');
  const folds = raw.folds ?? 5;
  if (number(2, 20, { integer: true })(folds)) fail('search.folds must be an integer from 2 to 20');
  const iterations = raw.iterations ?? 10;
  if (number(1, MAX_FITS, { integer: true })(iterations)) fail(`search.iterations must be an integer from 1 to ${MAX_FITS}`);
  const metric = raw.metric ?? 'rocAuc';
  if (metric !== 'rocAuc' && metric !== 'logLoss' && metric !== 'accuracy') fail('search.metric must be rocAuc, logLoss or accuracy');
  const shuffle = raw.shuffle ?? true;
  if (typeof shuffle !== 'boolean') fail('search.shuffle must be true or false');
  if (!isObject(raw.space) || !Object.keys(raw.space).length) fail('search.space must map hyper-parameters to values to try');
  const checks = HYPERPARAMETERS[trainer];
  let combinations = 1;
  for (const [key, values] of Object.entries(raw.space)) {
    const check = checks[key];
    if (!check) fail(`search.space.${key} is not a hyper-parameter of ${trainer} (${Object.keys(checks).join(', ')})`);
    if (Array.isArray(values)) {
      if (!values.length || values.length > 100) fail(`search.space.${key} needs 1-100 values`);
      for (const v of values) {
        const problem = check(v);
        if (problem) fail(`search.space.${key}: ${JSON.stringify(v)} ${problem}`);
      }
      combinations *= values.length;
    } else if (isObject(values) && typeof values.min === 'number' && typeof values.max === 'number') {
      if (strategy !== 'random') fail(`search.space.${key}: ranges need strategy random`);
      for (const bound of [values.min, values.max]) {
        const problem = check(values.integer ? Math.round(bound) : bound);
        if (problem) fail(`search.space.${key}: bound ${bound} ${problem}`);
      }
      if (!(values.max >= values.min)) fail(`search.space.${key}: max must be >= min`);
      if (values.scale !== undefined && values.scale !== 'linear' && values.scale !== 'log')
        fail(`search.space.${key}.scale is linear or log`);
      if (values.scale === 'log' && !(values.min > 0)) fail(`search.space.${key}: a log range needs min > 0`);
      combinations = Infinity;
    } else {
      fail(`search.space.${key} must be a list of values or { min, max, scale, integer }`);
    }
  }
  const candidates = strategy === 'grid' ? combinations : Math.min(combinations, iterations as number);
  if (candidates * (folds as number) > MAX_FITS)
    fail(`the search would fit ${candidates * (folds as number)} models; the limit is ${MAX_FITS}`);
  return {
    strategy,
    space: raw.space as SearchSpec['space'],
    folds: folds as number,
    iterations: iterations as number,
    metric,
    shuffle,
  };
}

/** Merges the experiment's defaults with the request (request wins) and validates the result. */
export function parseTrainingParams(
  requested: Record<string, unknown> | null | undefined,
  defaults: { trainer: string; params: Record<string, unknown> },
): TrainingPlan {
  const given = requested ?? {};
  // A request naming another trainer does not inherit the default trainer's hyper-parameters.
  const base = given.trainer !== undefined && given.trainer !== defaults.trainer ? {} : defaults.params;
  const merged: Record<string, unknown> = { trainer: defaults.trainer, ...base, ...given };
  const trainer = merged.trainer;
  if (typeof trainer !== 'string' || !TRAINERS.includes(trainer as TrainerName)) fail(`trainer must be one of ${TRAINERS.join(', ')}`);
  const checks = HYPERPARAMETERS[trainer as TrainerName];
  const hyper: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (TOP_LEVEL.has(key)) continue;
    const check = checks[key];
    if (!check) fail(`${key} is not a parameter of ${trainer} (${[...TOP_LEVEL, ...Object.keys(checks)].join(', ')})`);
    const problem = check(value);
    if (problem) fail(`${key} ${problem}`);
    hyper[key] = value;
  }
  const seed = merged.seed ?? DEFAULT_SEED;
  if (number(0, 2 ** 31 - 1, { integer: true })(seed)) fail('seed must be an integer from 0 to 2^31-1');
  const dataset = merged.dataset ?? null;
  if (dataset !== null && (typeof dataset !== 'string' || !/^[A-Za-z0-9._+-]{1,128}$/.test(dataset)))
    fail('dataset must be a dataset name');
  const includeFeedback = merged.includeFeedback ?? null;
  if (includeFeedback !== null && typeof includeFeedback !== 'boolean') fail('includeFeedback must be true or false');
  const search = merged.search == null ? null : parseSearch(merged.search, trainer as TrainerName);
  return {
    trainer: trainer as TrainerName,
    params: hyper,
    search,
    seed: seed as number,
    dataset: dataset as string | null,
    includeFeedback: includeFeedback as boolean | null,
  };
}
