import type { SubgraphServices } from '@modelplane/core';
import { Counter } from 'prom-client';
import type { PredictionConfig } from '../prediction.settings';

/** Rows one DELETE removes: short transactions, so writers and the streams never wait long. */
const BATCH = 10_000;
/** Most batches per table in one pass; the next pass carries on. */
const MAX_BATCHES_PER_PASS = 50;
const LOCK = 'modelplane:prediction-log-retention';

// The log has no created_at index (it was dropped to make writes cheaper), but its stream index
// (txid, seq) is in writing order, which is time order within a flush. A pass walks it from the
// oldest row and deletes up to the first row inside the retention.
const HEAD = (table: string) => `
  SELECT txid::text AS txid, seq::text AS seq, created_at < now() - make_interval(days => $3) AS old
  FROM ${table} WHERE (txid, seq) > ($1::bigint, $2::bigint) ORDER BY txid, seq LIMIT ${BATCH}`;
const DELETE_RANGE = (table: string) => `
  DELETE FROM ${table}
  WHERE (txid, seq) > ($1::bigint, $2::bigint) AND (txid, seq) <= ($3::bigint, $4::bigint)
    AND created_at < now() - make_interval(days => $5)`;

const TABLES = ['prediction.prediction_log', 'prediction.feedback'] as const;

/**
 * Deletes prediction log rows and feedback older than PREDICTION_LOG_RETENTION_DAYS, oldest
 * first, in bounded batches. Replicas take turns through an advisory lock (a replica that finds
 * it taken skips the pass). Monitoring and experiments keep what they need in their own tables;
 * a consumer more than the retention behind would miss rows (see docs/operations.md).
 */
export class PredictionLogRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly pruned: Counter<'table'>;

  constructor(private readonly services: SubgraphServices<PredictionConfig>) {
    this.pruned = new Counter({
      name: 'modelplane_prediction_log_pruned_total',
      help: 'Prediction log and feedback rows deleted past PREDICTION_LOG_RETENTION_DAYS',
      labelNames: ['table'],
      registers: [services.metrics.registry],
    });
  }

  start(): void {
    if (!this.services.config.PREDICTION_LOG_RETENTION_DAYS) return;
    this.timer = setInterval(() => void this.pass(), this.services.config.PREDICTION_LOG_PRUNE_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass (never two at once in this process); resolves with the rows deleted. */
  pass(): Promise<number> {
    this.running ??= this.prune()
      .catch((err: unknown) => {
        this.services.logger.warn({ err }, 'prediction log retention pass failed; the next one retries');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(): Promise<number> {
    const days = this.services.config.PREDICTION_LOG_RETENTION_DAYS;
    const runner = this.services.db.createQueryRunner();
    await runner.connect();
    let total = 0;
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [LOCK])) as [{ locked: boolean }];
      if (!locked) return 0;
      try {
        for (const table of TABLES) {
          let after = ['0', '0'];
          for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) {
            const head = (await runner.query(HEAD(table), [after[0], after[1], days])) as Array<{
              txid: string;
              seq: string;
              old: boolean;
            }>;
            const firstKept = head.findIndex((r) => !r.old);
            const last = head[(firstKept === -1 ? head.length : firstKept) - 1];
            if (!last) break;
            const [, deleted] = (await runner.query(DELETE_RANGE(table), [after[0], after[1], last.txid, last.seq, days])) as [
              unknown,
              number,
            ];
            total += deleted;
            this.pruned.inc({ table }, deleted);
            if (firstKept !== -1 || head.length < BATCH) break;
            after = [last.txid, last.seq];
          }
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK]);
      }
    } finally {
      await runner.release();
    }
    if (total) this.services.logger.info({ rows: total, days }, 'pruned the prediction log');
    return total;
  }
}
