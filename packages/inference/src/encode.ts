import { BadUserInputError } from '@modelplane/core';
import type { FeatureSpec, ModelSignature } from './schema';

const FLOAT32_MAX = 3.4028234663852886e38;

/** Validated rows: the values as sent (categories as their index) and the tensor the model takes. */
export interface EncodedRows {
  /** Row-major [rows, features] values in float64, exactly as sent: what the prediction log keeps. */
  values: Float64Array;
  /** The model input: `values` itself for float64 models, a float32 copy otherwise. */
  tensor: Float32Array | Float64Array;
}

/** Per-feature encoder built once per schema: category lookups are maps, not list scans. */
export interface RowEncoder {
  featureCount: number;
  /** Validates rows and writes them into one row-major buffer. */
  encode(rows: readonly unknown[], type: ModelSignature['inputType']): EncodedRows;
}

/** Throws the coded error naming the row (in batches) and feature; no closure per row. */
function refuse(message: string, rowCount: number, row: number, feature?: string): never {
  throw new BadUserInputError(`${message}${rowCount > 1 ? ` in row ${row}` : ''}`, {
    ...(feature !== undefined && { feature }),
    ...(rowCount > 1 && { row }),
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function rowEncoder(features: readonly FeatureSpec[]): RowEncoder {
  const index = new Map(features.map((f, i) => [f.name, i]));
  const categories = features.map((f) => (f.type === 'CATEGORICAL' ? new Map((f.categories ?? []).map((c, i) => [c, i])) : null));
  const n = features.length;
  return {
    featureCount: n,
    encode(rows, type) {
      const out = new Float64Array(rows.length * n);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        if (typeof row !== 'object' || row === null || Array.isArray(row))
          refuse(`features must be an object of feature name to value, got ${describe(row)}`, rows.length, r);
        const obj = row as Record<string, unknown>;
        let seen = 0;
        for (const key in obj) {
          if (!index.has(key))
            refuse(
              `unknown feature ${JSON.stringify(key)}; the model takes ${features.map((f) => f.name).join(', ')}`,
              rows.length,
              r,
              key,
            );
          seen++;
        }
        if (seen !== n) {
          const missing = features.find((f) => !(f.name in obj))!;
          refuse(`missing feature ${missing.name}`, rows.length, r, missing.name);
        }
        const base = r * n;
        for (let i = 0; i < n; i++) {
          const f = features[i]!;
          const value = obj[f.name];
          const cats = categories[i];
          if (cats) {
            if (typeof value !== 'string')
              refuse(`feature ${f.name} is categorical and needs a string, got ${describe(value)}`, rows.length, r, f.name);
            const code = cats.get(value as string);
            if (code === undefined) refuse(`feature ${f.name} has unknown category ${JSON.stringify(value)}`, rows.length, r, f.name);
            out[base + i] = code!;
          } else {
            if (typeof value !== 'number')
              refuse(`feature ${f.name} is numeric and needs a number, got ${describe(value)}`, rows.length, r, f.name);
            const x = value as number;
            if (!Number.isFinite(x)) refuse(`feature ${f.name} must be a finite number, got ${x}`, rows.length, r, f.name);
            if (type === 'float32' && Math.abs(x) > FLOAT32_MAX)
              refuse(`feature ${f.name} is outside the model's float32 range: ${x}`, rows.length, r, f.name);
            out[base + i] = x;
          }
        }
      }
      // float32 models get one native narrowing copy (values beyond float32's range were refused above).
      return { values: out, tensor: type === 'float32' ? Float32Array.from(out) : out };
    },
  };
}
