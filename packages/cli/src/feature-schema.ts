import type { FeatureInput, FeatureType, ModelTask } from '@modelplane/client';
import { parseEnum } from './args';
import { UsageError } from './errors';

// The feature schema `models push --register` registers a model with: from a JSON file or from
// --feature / --categorical flags, in the order the ONNX model expects its inputs.

export const FEATURE_TYPES: readonly FeatureType[] = ['NUMERIC', 'CATEGORICAL'];
export const MODEL_TASKS: readonly ModelTask[] = ['BINARY_CLASSIFICATION', 'MULTICLASS_CLASSIFICATION', 'REGRESSION'];

const TASK_SHORTHANDS: Record<string, ModelTask> = {
  binary: 'BINARY_CLASSIFICATION',
  multiclass: 'MULTICLASS_CLASSIFICATION',
  regression: 'REGRESSION',
};

export function parseTask(text: string): ModelTask {
  return TASK_SHORTHANDS[text.toLowerCase()] ?? parseEnum(text, MODEL_TASKS, '--task');
}

export interface FeatureSchema {
  features: FeatureInput[];
  task?: ModelTask;
  labels?: string[];
  description?: string;
}

function categories(text: string, flag: string): string[] {
  const list = text.split(',').map((c) => c.trim());
  if (list.some((c) => c === '')) throw new UsageError(`${flag}: empty category in "${text}"`);
  if (new Set(list).size !== list.length) throw new UsageError(`${flag}: a category appears twice in "${text}"`);
  return list;
}

/**
 * --feature NAME, NAME:NUMERIC or NAME:CATEGORICAL=a,b,c (type case-insensitive, NUMERIC by default);
 * --categorical NAME=a,b,c.
 */
export function parseFeatureFlag(flag: 'feature' | 'categorical', text: string): FeatureInput {
  if (flag === 'categorical') {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--categorical takes NAME=a,b,c, got "${text}"`);
    return { name: text.slice(0, eq).trim(), type: 'CATEGORICAL', categories: categories(text.slice(eq + 1), '--categorical') };
  }
  const match = /^([^:=]+)(?::([A-Za-z]+)(?:=(.*))?)?$/.exec(text);
  if (!match) throw new UsageError(`--feature takes NAME, NAME:NUMERIC or NAME:CATEGORICAL=a,b,c, got "${text}"`);
  const name = match[1]!.trim();
  const type = match[2] ? parseEnum(match[2], FEATURE_TYPES, `--feature ${name}: the type`) : 'NUMERIC';
  if (type === 'CATEGORICAL') {
    if (match[3] === undefined) throw new UsageError(`--feature ${name}:CATEGORICAL needs its categories: ${name}:CATEGORICAL=a,b,c`);
    return { name, type, categories: categories(match[3], `--feature ${name}`) };
  }
  if (match[3] !== undefined) throw new UsageError(`--feature ${name}: only CATEGORICAL features take categories`);
  return { name, type };
}

/** The features of --feature/--categorical flags, in the order they were given. */
export function featuresFromFlags(optionOrder: ReadonlyArray<{ name: string; value?: string }>): FeatureInput[] {
  return optionOrder
    .filter(
      (o): o is { name: 'feature' | 'categorical'; value: string } =>
        (o.name === 'feature' || o.name === 'categorical') && o.value !== undefined,
    )
    .map((o) => parseFeatureFlag(o.name, o.value));
}

/**
 * A features file: either a list of features, or an object with `features` and optionally
 * `task`, `labels` and `description`. A feature is { name, type, categories? }.
 */
export function parseFeaturesFile(text: string, file: string): FeatureSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const object = Array.isArray(json) ? { features: json } : json;
  if (!object || typeof object !== 'object' || !Array.isArray((object as { features?: unknown }).features)) {
    throw new UsageError(`${file} must hold a list of features or an object with "features": [{ "name": …, "type": "NUMERIC" }, …]`);
  }
  const { features, task, labels, description } = object as Record<string, unknown>;
  const schema: FeatureSchema = {
    features: (features as unknown[]).map((f, i) => {
      const { name, type, categories: cats } = (f ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || !name) throw new UsageError(`${file}: feature ${i + 1} has no "name"`);
      const parsedType = parseEnum(typeof type === 'string' ? type : 'NUMERIC', FEATURE_TYPES, `${file}: the type of ${name}`);
      if (parsedType === 'CATEGORICAL') {
        if (!Array.isArray(cats) || !cats.length || cats.some((c) => typeof c !== 'string')) {
          throw new UsageError(`${file}: the categorical feature ${name} needs "categories": ["a", "b", …]`);
        }
        return { name, type: parsedType, categories: cats as string[] };
      }
      return { name, type: parsedType };
    }),
  };
  if (task !== undefined) schema.task = parseTask(String(task));
  if (labels !== undefined) {
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))
      throw new UsageError(`${file}: "labels" must be a list of strings`);
    schema.labels = labels as string[];
  }
  if (typeof description === 'string') schema.description = description;
  return schema;
}

export function checkFeatureNames(features: readonly FeatureInput[]): void {
  if (!features.length) throw new UsageError('the feature schema is empty');
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f.name)) throw new UsageError(`feature "${f.name}" is given twice`);
    seen.add(f.name);
  }
}

/** Differences between a feature schema given on the command line and a registered model's, as sentences. */
export function schemaDifferences(
  given: readonly FeatureInput[],
  registered: ReadonlyArray<{ name: string; type: FeatureType; categories?: readonly string[] | null }>,
): string[] {
  const describe = (f: { name: string; type: string; categories?: readonly string[] | null }) =>
    `${f.name}:${f.type}${f.categories?.length ? `=${f.categories.join(',')}` : ''}`;
  const a = given.map(describe);
  const b = registered.map(describe);
  if (a.join(' ') === b.join(' ')) return [];
  return [`given ${a.join(' ')}`, `registered ${b.join(' ')}`];
}
