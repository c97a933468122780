import type { FeatureType } from '@modelplane/client';
import { extname } from 'node:path';
import { formatCsv, parseCsvTable } from './csv';
import { CliError } from './errors';

// `predict` input and output: rows from CSV or JSON, typed by the model's feature schema, and the
// predictions appended to each row.

export type RowFormat = 'csv' | 'json' | 'jsonl';

export function formatOf(file: string): RowFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

export interface InputRow {
  /** Where the row came from, for error messages: "line 12" (CSV) or "row 3" (JSON). */
  where: string;
  /** Every column of the input, as read (kept in the output). */
  source: Record<string, unknown>;
  /** The model's features only, typed: what is sent to predictBatch. */
  features: Record<string, unknown>;
}

export interface ModelFeature {
  name: string;
  type: FeatureType;
}

export interface InputTable {
  columns: string[];
  rows: InputRow[];
  /** Input columns that are not features of the model (kept in the output, not sent). */
  ignored: string[];
}

/**
 * CSV cells are text: a NUMERIC feature's cell must be a number (sent as a number), a CATEGORICAL
 * one is sent as the string it is. Other columns are carried over to the output only.
 */
export function readCsvRows(text: string, features: readonly ModelFeature[], file = 'the input'): InputTable {
  let table;
  try {
    table = parseCsvTable(text);
  } catch (err) {
    throw new CliError(`cannot read ${file} as CSV: ${(err as Error).message}`, 'BAD_INPUT');
  }
  const missing = features.filter((f) => !table.header.includes(f.name)).map((f) => f.name);
  if (missing.length) {
    throw new CliError(
      `${file} has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the model's features: ${features.map((f) => f.name).join(', ')})`,
      'BAD_INPUT',
    );
  }
  const rows = table.rows.map(({ line, values }) => {
    const typed: Record<string, unknown> = {};
    for (const f of features) {
      const cell = values[f.name]!;
      if (f.type === 'NUMERIC') {
        const n = cell.trim() === '' ? NaN : Number(cell);
        if (!Number.isFinite(n))
          throw new CliError(`line ${line} of ${file}: ${f.name} is numeric, got ${JSON.stringify(cell)}`, 'BAD_INPUT');
        typed[f.name] = n;
      } else {
        typed[f.name] = cell;
      }
    }
    return { where: `line ${line}`, source: values, features: typed };
  });
  const names = new Set(features.map((f) => f.name));
  return { columns: table.header, rows, ignored: table.header.filter((c) => !names.has(c)) };
}

/** JSON: a list of objects (or { "rows": [...] }); JSON Lines: one object per line. Values are sent as they are. */
export function readJsonRows(text: string, format: 'json' | 'jsonl', features: readonly ModelFeature[], file = 'the input'): InputTable {
  let list: unknown;
  try {
    if (format === 'jsonl') {
      list = text
        .split('\n')
        .map((l, i) => ({ l: l.trim(), i }))
        .filter(({ l }) => l !== '')
        .map(({ l, i }) => {
          try {
            return JSON.parse(l) as unknown;
          } catch (err) {
            throw new Error(`line ${i + 1}: ${(err as Error).message}`);
          }
        });
    } else {
      const parsed = JSON.parse(text) as unknown;
      list = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown } | null)?.rows;
    }
  } catch (err) {
    throw new CliError(`cannot read ${file} as JSON: ${(err as Error).message}`, 'BAD_INPUT');
  }
  if (!Array.isArray(list)) throw new CliError(`${file} must hold a list of objects (or { "rows": [ … ] })`, 'BAD_INPUT');
  const names = new Set(features.map((f) => f.name));
  const columns: string[] = [];
  const rows = list.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item))
      throw new CliError(`row ${i + 1} of ${file} is not an object`, 'BAD_INPUT');
    const source = item as Record<string, unknown>;
    for (const key of Object.keys(source)) if (!columns.includes(key)) columns.push(key);
    // Missing features are left out: the server names them in its error.
    const typed = Object.fromEntries(Object.entries(source).filter(([k]) => names.has(k)));
    return { where: `row ${i + 1}`, source, features: typed };
  });
  return { columns, rows, ignored: columns.filter((c) => !names.has(c)) };
}

export interface PredictionResult {
  id: string;
  label?: string | null;
  score: number;
  version: number;
  probabilities?: ReadonlyArray<{ label: string; probability: number }> | null;
}

export const PREDICTION_COLUMNS = ['prediction_id', 'predicted_label', 'predicted_score', 'model_version'] as const;

/** An input row with its prediction: the input columns, then prediction_*, model_version and probability_<label> columns. */
export function outputRow(source: Record<string, unknown>, p: PredictionResult): Record<string, unknown> {
  const row: Record<string, unknown> = {
    ...source,
    prediction_id: p.id,
    predicted_label: p.label ?? null,
    predicted_score: p.score,
    model_version: p.version,
  };
  for (const { label, probability } of p.probabilities ?? []) row[`probability_${label}`] = probability;
  return row;
}

export function formatRows(rows: ReadonlyArray<Record<string, unknown>>, format: RowFormat, inputColumns: readonly string[]): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'jsonl') return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  const header = [...inputColumns, ...PREDICTION_COLUMNS.filter((c) => !inputColumns.includes(c))];
  for (const row of rows) for (const key of Object.keys(row)) if (!header.includes(key)) header.push(key);
  return formatCsv(header, rows);
}
