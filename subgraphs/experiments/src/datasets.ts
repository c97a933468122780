import { BadUserInputError, NotFoundError } from '@modelplane/core';
import {
  RAIN_TOMORROW_FEATURE_NAMES,
  datasetDigest,
  loadRainTomorrowDataset,
  mulberry32,
  sampleIndices,
  type DatasetRow,
} from '@modelplane/ml';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { DatasetVersion, type SplitSpec, type StoredRow } from './entities/dataset-version.entity';

/** The built-in dataset: Seattle daily weather 2012–2015 (vega-datasets, BSD-3-Clause) as "rain tomorrow". */
export const BUILTIN_DATASET = 'seattle-weather';
export const BUILTIN_LABELS = ['dry', 'rain'];
export const BUILTIN_SOURCE =
  'vega-datasets seattle-weather.csv (BSD-3-Clause): features of day t, label = precipitation on day t+1 > 0 mm; train 2012–2014, test 2015';
// 2014-12-31 is dropped from training: its label is a 2015 fact (no test-period information in training).
export const BUILTIN_SPLIT: SplitSpec = { kind: 'chronological', trainBefore: '2014-12-31', testFrom: '2015-01-01' };

export interface NewDataset {
  name: string;
  featureNames: string[];
  labels: string[] | null;
  rows: StoredRow[];
  split: SplitSpec;
  source: string | null;
  parentId?: string | null;
}

export interface Split {
  train: DatasetRow[];
  test: DatasetRow[];
}

/** Training and held-out rows of a dataset version, as its split spec says. */
export function splitRows(rows: readonly StoredRow[], split: SplitSpec): Split {
  const appended = split.appendedTrainRows ?? 0;
  const base = rows.slice(0, rows.length - appended);
  const extra = rows.slice(rows.length - appended);
  let train: StoredRow[];
  let test: StoredRow[];
  if (split.kind === 'chronological') {
    train = base.filter((r) => r.date < split.trainBefore);
    test = base.filter((r) => r.date >= split.testFrom);
  } else {
    const testCount = Math.max(1, Math.round(base.length * split.testFraction));
    const held = new Set(sampleIndices(base.length, testCount, mulberry32(split.seed)));
    train = base.filter((_, i) => !held.has(i));
    test = base.filter((_, i) => held.has(i));
  }
  return { train: [...train, ...extra], test };
}

/**
 * Dataset versions: immutable, numbered per name, identified by the sha256 of their content
 * (ml's datasetDigest). Registering the same content under the same name returns the existing
 * version instead of a copy.
 */
export class DatasetStore {
  constructor(private readonly db: DataSource) {}

  async register(input: NewDataset, em?: EntityManager): Promise<{ dataset: DatasetVersion; created: boolean }> {
    validateDataset(input);
    const digest = datasetDigest({ featureNames: input.featureNames, rows: input.rows });
    const work = async (tx: EntityManager) => {
      // Serialises registrations of one name so version numbers never collide.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`modelplane:dataset:${input.name}`]);
      const existing = await tx.getRepository(DatasetVersion).findOneBy({ name: input.name, digest });
      if (existing) return { dataset: existing, created: false };
      const [{ next }] = (await tx.query('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM experiments.dataset_version WHERE name = $1', [
        input.name,
      ])) as [{ next: number }];
      const rows = (await tx.query(
        `INSERT INTO experiments.dataset_version (name, version, digest, feature_names, labels, row_count, source, split, parent_id, rows)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          input.name,
          Number(next),
          digest,
          JSON.stringify(input.featureNames),
          input.labels ? JSON.stringify(input.labels) : null,
          input.rows.length,
          input.source,
          input.split,
          input.parentId ?? null,
          JSON.stringify(input.rows),
        ],
      )) as Array<{ id: string }>;
      return { dataset: await tx.getRepository(DatasetVersion).findOneByOrFail({ id: rows[0]!.id }), created: true };
    };
    return em ? work(em) : this.db.transaction(work);
  }

  async ensureBuiltin(): Promise<DatasetVersion> {
    const data = loadRainTomorrowDataset('Seattle');
    return (
      await this.register({
        name: BUILTIN_DATASET,
        featureNames: [...data.featureNames],
        labels: BUILTIN_LABELS,
        rows: data.rows.map((r) => ({ date: r.date, features: r.features, label: r.label })),
        split: BUILTIN_SPLIT,
        source: BUILTIN_SOURCE,
      })
    ).dataset;
  }

  async byId(id: string): Promise<DatasetVersion | null> {
    return this.db.getRepository(DatasetVersion).findOneBy({ id });
  }

  /** The newest version of a name that is not an augmentation of another (the base retraining starts from). */
  async latestBase(name: string): Promise<DatasetVersion | null> {
    return this.db.getRepository(DatasetVersion).findOne({ where: { name, parentId: IsNull() }, order: { version: 'DESC' } });
  }

  async list(name?: string | null): Promise<DatasetVersion[]> {
    return this.db.getRepository(DatasetVersion).find({ where: name ? { name } : {}, order: { name: 'ASC', version: 'DESC' } });
  }

  async content(id: string): Promise<StoredRow[]> {
    const rows = (await this.db.query('SELECT rows FROM experiments.dataset_version WHERE id = $1', [id])) as Array<{ rows: StoredRow[] }>;
    if (!rows[0]) throw new NotFoundError(`dataset version ${id} does not exist`);
    return rows[0].rows;
  }
}

function validateDataset(input: NewDataset): void {
  const width = input.featureNames.length;
  if (new Set(input.featureNames).size !== width)
    throw new BadUserInputError('feature names must be unique', { argument: 'input.features' });
  input.rows.forEach((row, i) => {
    if (row.features.length !== width) {
      throw new BadUserInputError(`row ${i} has ${row.features.length} values for ${width} features`, { argument: 'input.rows', row: i });
    }
    if (!row.features.every((v) => Number.isFinite(v))) {
      throw new BadUserInputError(`row ${i} has a value that is not a finite number`, { argument: 'input.rows', row: i });
    }
    if (row.label !== 0 && row.label !== 1)
      throw new BadUserInputError(`row ${i}: label must be 0 or 1`, { argument: 'input.rows', row: i });
  });
  if (input.split.kind === 'chronological' && input.rows.some((r) => !r.date)) {
    throw new BadUserInputError('a chronological split (testFrom) needs a date on every row', { argument: 'input.rows' });
  }
  if (input.split.kind === 'fraction' && !(input.split.testFraction > 0 && input.split.testFraction < 1)) {
    throw new BadUserInputError('testFraction must be between 0 and 1', { argument: 'input.testFraction' });
  }
}

/** Whether a model's schema is the built-in dataset's (any model with these numeric features can train on it). */
export function fitsBuiltinDataset(features: Array<{ name: string; type: string }>, labels: string[] | null): boolean {
  return (
    features.length === RAIN_TOMORROW_FEATURE_NAMES.length &&
    features.every((f, i) => f.name === RAIN_TOMORROW_FEATURE_NAMES[i] && f.type === 'NUMERIC') &&
    labels?.length === 2
  );
}
