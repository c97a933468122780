import type { CategoricalProfile, DriftColumn, DriftInput, NumericProfile } from '@modelplane/stats';
import type { BaselineData } from '../entities/baseline.entity';
import type { ModelTask } from '@modelplane/core';
import type { MonitoredFeature } from '../clients/registry-client';

/** A logged prediction as drift needs it. */
export interface WindowRow {
  features: Record<string, unknown> | null;
  label: string | null;
  score: number | null;
}

/** Column-wise values: feature name → values, plus the model output. */
export type Columns = BaselineData;

/**
 * What drift compares the model output on: the predicted class for a multiclass model, the score
 * otherwise (the positive-class probability of a binary model, the value of a regression), which
 * catches a shift in confidence before the labels move.
 */
export function predictionType(task: ModelTask): 'NUMERIC' | 'CATEGORICAL' {
  return task === 'MULTICLASS_CLASSIFICATION' ? 'CATEGORICAL' : 'NUMERIC';
}

function featureValue(feature: MonitoredFeature, raw: unknown): number | string | null {
  if (raw === null || raw === undefined) return null;
  if (feature.type === 'NUMERIC') return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
  return String(raw);
}

/** Rows → columns, in row order; values of the wrong type count as missing. */
export function toColumns(features: readonly MonitoredFeature[], task: ModelTask, rows: readonly WindowRow[]): Columns {
  const out: Columns = { features: {}, prediction: new Array(rows.length) };
  for (const f of features) out.features[f.name] = new Array(rows.length);
  const categorical = predictionType(task) === 'CATEGORICAL';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const values = row.features ?? {};
    for (const f of features) out.features[f.name]![i] = featureValue(f, values[f.name]);
    out.prediction[i] = categorical ? row.label : row.score;
  }
  return out;
}

interface ProfileFeatureJson {
  name?: unknown;
  count?: unknown;
  histogram?: { edges?: unknown; counts?: unknown };
  sample?: unknown;
}

const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Per-feature references from a packages/ml ReferenceProfile (version 1). */
export interface ProfileReference {
  rowCount: number;
  columns: Map<string, NumericProfile | CategoricalProfile>;
}

/**
 * Reads a ReferenceProfile as the experiments subgraph returns it. Null when it does not cover
 * every feature of the model (drift then falls back to the baseline window rather than judging
 * some features against training data and others against nothing).
 *
 * Profiles hold numbers only: a categorical feature was profiled as its 0-based category index,
 * so its reference counts come from the profile's sample, mapped back to category names.
 */
export function profileReference(profile: unknown, features: readonly MonitoredFeature[]): ProfileReference | null {
  if (!profile || typeof profile !== 'object') return null;
  const p = profile as { features?: unknown; rowCount?: unknown };
  if (!Array.isArray(p.features)) return null;
  const byName = new Map<string, ProfileFeatureJson>();
  for (const f of p.features as ProfileFeatureJson[]) if (f && typeof f.name === 'string') byName.set(f.name, f);
  const columns = new Map<string, NumericProfile | CategoricalProfile>();
  for (const feature of features) {
    const f = byName.get(feature.name);
    if (!f || !isNumberArray(f.sample)) return null;
    if (feature.type === 'NUMERIC') {
      const edges = f.histogram?.edges;
      const counts = f.histogram?.counts;
      if (!isNumberArray(edges) || !isNumberArray(counts) || edges.length !== counts.length + 1) return null;
      columns.set(feature.name, { edges, counts, sample: f.sample });
    } else {
      const counts: Record<string, number> = {};
      for (const index of f.sample) {
        const name = feature.categories?.[index] ?? String(index);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      columns.set(feature.name, { counts });
    }
  }
  const rowCount = typeof p.rowCount === 'number' && p.rowCount > 0 ? p.rowCount : 0;
  return { rowCount, columns };
}

export type DriftReference =
  { kind: 'PROFILE'; profile: ProfileReference; baseline: Columns | null } | { kind: 'BASELINE'; baseline: Columns };

function column(feature: string, type: 'NUMERIC' | 'CATEGORICAL', reference: unknown, current: unknown[]): DriftColumn {
  return type === 'NUMERIC'
    ? { feature, type, reference: reference as NumericProfile | number[], current: current as number[] }
    : { feature, type, reference: reference as CategoricalProfile | string[], current: current as string[] };
}

/**
 * The detectDrift input for a window. The model output is compared with the baseline's outputs
 * (a training profile has no model outputs), so prediction drift needs a complete baseline.
 */
export function buildDriftInput(
  features: readonly MonitoredFeature[],
  task: ModelTask,
  reference: DriftReference,
  current: Columns,
): DriftInput {
  const columns = features.map((f) =>
    column(
      f.name,
      f.type,
      reference.kind === 'PROFILE' ? reference.profile.columns.get(f.name) : (reference.baseline.features[f.name] ?? []),
      current.features[f.name] ?? [],
    ),
  );
  const baseline = reference.baseline;
  const prediction = baseline ? column('prediction', predictionType(task), baseline.prediction, current.prediction) : undefined;
  return { features: columns, ...(prediction && { prediction }) };
}
