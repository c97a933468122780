import type { SubgraphServices } from '@modelplane/core';
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
      latency_ms AS "latencyMs", created_at AS "createdAt"
    FROM prediction.prediction_log WHERE (txid, seq) > ($1, $2) AND ${VISIBLE} ORDER BY txid, seq LIMIT $3`,
  feedback: `SELECT txid, seq, prediction_id AS "predictionId", model, actual, created_at AS "createdAt"
    FROM prediction.feedback WHERE (txid, seq) > ($1, $2) AND ${VISIBLE} ORDER BY txid, seq LIMIT $3`,
};

function parseCursor(raw: unknown): [string, string] | null {
  if (raw === undefined || raw === '') return ['0', '0'];
  const m = /^(\d{1,19})\.(\d{1,19})$/.exec(String(raw));
  return m ? [m[1]!, m[2]!] : null;
}

export function logStreamRoutes(app: Express, services: SubgraphServices): void {
  const handler = (stream: keyof typeof queries) => async (req: Request, res: Response) => {
    const cursor = parseCursor(req.query.after);
    const limit = Number(req.query.limit ?? 1000);
    if (!cursor || !Number.isInteger(limit) || limit < 1 || limit > 10000) {
      res.status(400).json({ error: 'after must be a cursor from a previous answer; limit 1-10000' });
      return;
    }
    try {
      const rows = (await services.db.query(queries[stream], [cursor[0], cursor[1], limit])) as Array<
        Record<string, unknown> & { txid: string; seq: string }
      >;
      const last = rows[rows.length - 1];
      res.json({
        items: rows.map(({ txid: _t, seq: _s, ...item }) => item),
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
