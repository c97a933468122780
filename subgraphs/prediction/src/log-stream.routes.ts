import type { FeatureSpec } from '@modelplane/inference';
import type { Express, Request, Response } from 'express';
import type { PredictionRuntime } from './prediction.runtime';

/**
 * The prediction log and feedback, published as streams for other services (monitoring reads
 * them here instead of reaching into this subgraph's tables).
 *
 *   GET /streams/predictions?after=<cursor>&limit=<n>
 *   GET /streams/feedback?after=<cursor>&limit=<n>
 *
 * Answers `{ items, next }`; pass `next` as `after` to continue. Only rows of transactions older
 * than every transaction still running are returned, in (txid, seq) order, so a reader never
 * skips a row that commits late.
 */
const VISIBLE = `txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

const queries = {
  // Text columns: the page is written as JSON text below, without parsing numbers, arrays and
  // dates into objects only to serialize them again. (txid and seq stay bigint: ORDER BY would
  // take a text alias of the same name and sort them as strings; pg reads int8 as a string anyway.)
  predictions: `SELECT txid, seq, id::text, model, version, route, alias, shadow_of::text AS shadow_of,
      features::text AS features, label, score::text AS score, probabilities::text AS probabilities, latency_ms::text AS latency_ms,
      to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
      feature_layout, feature_values::text AS feature_values, class_probabilities::text AS class_probabilities, error
    FROM prediction.prediction_log WHERE (txid, seq) > ($1, $2) AND ${VISIBLE} ORDER BY txid, seq LIMIT $3`,
  feedback: `SELECT txid, seq, prediction_id AS "predictionId", model, actual, created_at AS "createdAt"
    FROM prediction.feedback WHERE (txid, seq) > ($1, $2) AND ${VISIBLE} ORDER BY txid, seq LIMIT $3`,
};

function parseCursor(raw: unknown): [string, string] | null {
  if (raw === undefined || raw === '') return ['0', '0'];
  const m = /^(\d{1,19})\.(\d{1,19})$/.exec(String(raw));
  return m ? [m[1]!, m[2]!] : null;
}

type StreamRow = Record<string, unknown> & { txid: string; seq: string };
interface PredictionRow {
  txid: string;
  seq: string;
  id: string;
  model: string;
  version: number;
  route: string;
  alias: string | null;
  shadow_of: string | null;
  features: string | null;
  label: string | null;
  score: string | null;
  probabilities: string | null;
  latency_ms: string;
  created_at: string;
  feature_layout: number | null;
  feature_values: string | null;
  class_probabilities: string | null;
  error: string | null;
}

/** A logged feature layout as JSON pieces: `"name":` keys, and each category's JSON string. */
interface Layout {
  keys: string[];
  categories: (string[] | null)[];
}

const str = (s: string | null): string => (s === null ? 'null' : JSON.stringify(s));
/** A float8 in PostgreSQL's text form as a JSON number (NaN and infinities have no JSON spelling). */
const num = (s: string | null | undefined): string =>
  s === null || s === undefined || s === 'NULL' || s === 'NaN' || s.endsWith('Infinity') ? 'null' : s;
/** The elements of a float8[] in text form: `{1,2.5,NULL}`. */
const elements = (s: string): string[] => (s.length > 2 ? s.slice(1, -1).split(',') : []);

function featuresJson(values: string, layout: Layout | undefined): string {
  if (!layout) return 'null';
  const v = elements(values);
  let out = '{';
  for (let i = 0; i < layout.keys.length; i++) {
    const cats = layout.categories[i];
    out += (i ? ',' : '') + layout.keys[i] + (cats ? (cats[Number(v[i])] ?? 'null') : num(v[i]));
  }
  return `${out}}`;
}

/**
 * One item of the predictions stream as JSON, in the same shape whether the row was logged
 * compactly (values in feature order plus a layout id, see PredictionLogWriter) or, before
 * that, as jsonb documents: features by name, probabilities as a list.
 */
function predictionJson(r: PredictionRow, layouts: Map<number, Layout>): string {
  const features =
    r.features ??
    (r.feature_values !== null && r.feature_layout !== null ? featuresJson(r.feature_values, layouts.get(r.feature_layout)) : 'null');
  const probabilities =
    r.probabilities ?? (r.class_probabilities === null ? 'null' : `[${elements(r.class_probabilities).map(num).join(',')}]`);
  return (
    `{"id":"${r.id}","model":${str(r.model)},"version":${r.version},"route":${str(r.route)},"alias":${str(r.alias)},` +
    `"shadowOf":${r.shadow_of === null ? 'null' : `"${r.shadow_of}"`},"features":${features},"label":${str(r.label)},` +
    `"score":${num(r.score)},"probabilities":${probabilities},"latencyMs":${num(r.latency_ms)},"createdAt":"${r.created_at}",` +
    `"error":${str(r.error)}}`
  );
}

export function logStreamRoutes(app: Express, { services }: PredictionRuntime): void {
  // feature_layout rows never change: each is read once per process.
  const layouts = new Map<number, Layout>();
  const loadLayouts = async (rows: PredictionRow[]): Promise<void> => {
    const missing = new Set<number>();
    for (const r of rows) if (r.feature_layout !== null && !layouts.has(r.feature_layout)) missing.add(r.feature_layout);
    if (!missing.size) return;
    const found = (await services.db.query('SELECT id, features FROM prediction.feature_layout WHERE id = ANY($1::int[])', [
      [...missing],
    ])) as Array<{ id: number; features: FeatureSpec[] }>;
    for (const l of found) {
      layouts.set(l.id, {
        keys: l.features.map((f) => `${JSON.stringify(f.name)}:`),
        categories: l.features.map((f) => (f.type === 'CATEGORICAL' ? (f.categories ?? []).map((c) => JSON.stringify(c)) : null)),
      });
    }
  };
  const handler = (stream: keyof typeof queries) => async (req: Request, res: Response) => {
    const cursor = parseCursor(req.query.after);
    const limit = Number(req.query.limit ?? 1000);
    if (!cursor || !Number.isInteger(limit) || limit < 1 || limit > 10000) {
      res.status(400).json({ error: 'after must be a cursor from a previous answer; limit 1-10000' });
      return;
    }
    try {
      const rows = (await services.db.query(queries[stream], [cursor[0], cursor[1], limit])) as StreamRow[];
      const last = rows[rows.length - 1];
      const next = last ? `${last.txid}.${last.seq}` : `${cursor[0]}.${cursor[1]}`;
      if (stream === 'predictions') {
        const predictions = rows as unknown as PredictionRow[];
        await loadLayouts(predictions);
        const items = new Array<string>(predictions.length);
        for (let i = 0; i < predictions.length; i++) items[i] = predictionJson(predictions[i]!, layouts);
        res.type('json').send(`{"items":[${items.join(',')}],"next":"${next}"}`);
        return;
      }
      res.json({ items: rows.map(({ txid: _t, seq: _s, ...item }) => item), next });
    } catch (err) {
      services.logger.error({ err, stream }, 'stream read failed');
      res.status(503).json({ error: 'prediction log unavailable' });
    }
  };
  app.get('/streams/predictions', handler('predictions'));
  app.get('/streams/feedback', handler('feedback'));
}
