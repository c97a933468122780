import { BadUserInputError } from '@modelplane/core';
import type { FeatureSpec, ModelSignature } from './schema';

const FLOAT32_MAX = 3.4028234663852886e38;

/** Per-feature encoder built once per schema: category lookups are maps, not list scans. */
export interface RowEncoder {
  featureCount: number;
  /** Validates rows and writes them into one row-major tensor buffer. */
  encode(rows: readonly unknown[], type: ModelSignature['inputType']): Float32Array | Float64Array;
  /**
   * JSON of an already validated row, in feature order: a precomputed template, several times
   * cheaper than JSON.stringify on the prediction-log hot path.
   */
  json(row: unknown): string;
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
  const keys = features.map((f, i) => `${i ? ',' : '{'}${JSON.stringify(f.name)}:`);
  const names = features.map((f) => f.name);
  const numeric = features.map((f) => f.type !== 'CATEGORICAL');
  return {
    featureCount: n,
    json(row) {
      const obj = row as Record<string, unknown>;
      let out = '';
      for (let i = 0; i < n; i++) {
        const v = obj[names[i]!];
        out += keys[i] + (numeric[i] ? String(v) : JSON.stringify(v));
      }
      return `${out}}`;
    },
    encode(rows, type) {
      const out = type === 'float32' ? new Float32Array(rows.length * n) : new Float64Array(rows.length * n);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        const where = rows.length > 1 ? ` in row ${r}` : '';
        const fail = (message: string, feature?: string): never => {
          throw new BadUserInputError(`${message}${where}`, {
            ...(feature !== undefined && { feature }),
            ...(rows.length > 1 && { row: r }),
          });
        };
        if (typeof row !== 'object' || row === null || Array.isArray(row))
          fail(`features must be an object of feature name to value, got ${describe(row)}`);
        const obj = row as Record<string, unknown>;
        let seen = 0;
        for (const key in obj) {
          if (!index.has(key))
            fail(`unknown feature ${JSON.stringify(key)}; the model takes ${features.map((f) => f.name).join(', ')}`, key);
          seen++;
        }
        if (seen !== n) {
          const missing = features.find((f) => !(f.name in obj))!;
          fail(`missing feature ${missing.name}`, missing.name);
        }
        const base = r * n;
        for (let i = 0; i < n; i++) {
          const f = features[i]!;
          const value = obj[f.name];
          const cats = categories[i];
          if (cats) {
            if (typeof value !== 'string') fail(`feature ${f.name} is categorical and needs a string, got ${describe(value)}`, f.name);
            const code = cats.get(value as string);
            if (code === undefined) fail(`feature ${f.name} has unknown category ${JSON.stringify(value)}`, f.name);
            out[base + i] = code!;
          } else {
            if (typeof value !== 'number') fail(`feature ${f.name} is numeric and needs a number, got ${describe(value)}`, f.name);
            const x = value as number;
            if (!Number.isFinite(x)) fail(`feature ${f.name} must be a finite number, got ${x}`, f.name);
            if (type === 'float32' && Math.abs(x) > FLOAT32_MAX)
              fail(`feature ${f.name} is outside the model's float32 range: ${x}`, f.name);
            out[base + i] = x;
          }
        }
      }
      return out;
    },
  };
}
