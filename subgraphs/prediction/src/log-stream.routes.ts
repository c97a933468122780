import type { SubgraphServices } from '@modelplane/core';
import { decodeRow, type FeatureSpec } from '@modelplane/inference';
import type { Express, Request, Response } from 'express';

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
  predictions: `SELECT txid, seq, id, model, version, route, alias, shadow_of AS "shadowOf", features, label, score, probabilities,
      latency_ms AS "latencyMs", created_at AS "createdAt", feature_layout AS "featureLayout", feature_values AS "featureValues",
      class_probabilities AS "classProbabilities"
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
type PredictionRow = StreamRow & {
  features: Record<string, unknown> | null;
  probabilities: number[] | null;
  featureLayout: number | null;
  featureValues: (number | null)[] | null;
  classProbabilities: (number | null)[] | null;
};

/**
 * Rows are logged compactly (values in feature order plus a layout id, see PredictionLogWriter)
 * or, before that, as jsonb documents: both are published in the same shape, features by name.
 */
function predictionItems(rows: PredictionRow[], layouts: Map<number, FeatureSpec[]>): Record<string, unknown>[] {
  return rows.map(({ txid: _t, seq: _s, featureLayout, featureValues, classProbabilities, features, probabilities, ...item }) => ({
    ...item,
    features: features ?? (featureValues && featureLayout !== null ? decodeRow(layouts.get(featureLayout) ?? [], featureValues) : null),
    probabilities: probabilities ?? classProbabilities,
  }));
}

export function logStreamRoutes(app: Express, services: SubgraphServices): void {
  // feature_layout rows never change: each is read once per process.
  const layouts = new Map<number, FeatureSpec[]>();
  const loadLayouts = async (rows: PredictionRow[]): Promise<void> => {
    const missing = new Set<number>();
    for (const r of rows) if (r.featureLayout !== null && !layouts.has(r.featureLayout)) missing.add(r.featureLayout);
    if (!missing.size) return;
    const found = (await services.db.query('SELECT id, features FROM prediction.feature_layout WHERE id = ANY($1::int[])', [
      [...missing],
    ])) as Array<{ id: number; features: FeatureSpec[] }>;
    for (const l of found) layouts.set(l.id, l.features);
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
      if (stream === 'predictions') await loadLayouts(rows as PredictionRow[]);
      res.json({
        items:
          stream === 'predictions' ? predictionItems(rows as PredictionRow[], layouts) : rows.map(({ txid: _t, seq: _s, ...item }) => item),
        next: last ? `${last.txid}.${last.seq}` : `${cursor[0]}.${cursor[1]}`,
      });
    } catch (err) {
      services.logger.error({ err, stream }, 'stream read failed');
      res.status(503).json({ error: 'prediction log unavailable' });
    }
  };
  app.get('/streams/predictions', handler('predictions'));
  app.get('/streams/feedback', handler('feedback'));
}
