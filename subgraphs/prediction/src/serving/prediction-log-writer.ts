import type { Logger } from '@modelplane/core';
import type { FeatureSpec } from '@modelplane/inference';
import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { COLUMNS, copyFrom, copyTuples, type LoggedBatch } from './prediction-log-copy';

export interface PredictionLogOptions {
  db: DataSource;
  logger: Logger;
  registry: Registry;
  /** Most rows held in memory. */
  capacity: number;
  flushMs: number;
  /** Rows per COPY, one transaction each (whole batches are never split). */
  batchSize?: number;
}

/** What a logged row's feature values stand for: names in order, and the categories of categorical ones. */
export function logLayout(features: readonly FeatureSpec[]): string {
  return JSON.stringify(
    features.map((f) =>
      f.type === 'CATEGORICAL' ? { name: f.name, type: f.type, categories: f.categories ?? [] } : { name: f.name, type: f.type },
    ),
  );
}

// COPY is several times cheaper for PostgreSQL than INSERT … SELECT from a jsonb document, but has
// no ON CONFLICT: a retry after a failure (which may have committed) goes through a staging table.
const COPY = `COPY prediction.prediction_log ${COLUMNS} FROM STDIN (FORMAT binary)`;
// Same columns, none of the log's constraints or defaults (seq and txid are the log's to assign).
const STAGE = `CREATE TEMP TABLE IF NOT EXISTS prediction_log_stage ON COMMIT DELETE ROWS AS SELECT ${COLUMNS.slice(1, -1)} FROM prediction.prediction_log WITH NO DATA`;
const COPY_STAGE = `COPY prediction_log_stage ${COLUMNS} FROM STDIN (FORMAT binary)`;
const FROM_STAGE = `INSERT INTO prediction.prediction_log ${COLUMNS} SELECT ${COLUMNS.slice(1, -1)} FROM prediction_log_stage ON CONFLICT (id) DO NOTHING`;
const LAYOUT = `INSERT INTO prediction.feature_layout (spec, features) VALUES ($1::text, $1::text::jsonb)
  ON CONFLICT (spec) DO UPDATE SET spec = EXCLUDED.spec RETURNING id`;

/**
 * The prediction log, written off the request path: requests append their batch to a bounded
 * in-memory buffer and a flusher writes it with one COPY per few thousand rows. A full buffer
 * drops the batch and counts it (requests never block on the database); a failed write keeps
 * the rows and retries with backoff; stop() writes everything still buffered.
 */
export class PredictionLogWriter {
  private buffer: LoggedBatch[] = [];
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private lastDropWarning = 0;
  private readonly dropped: Counter;
  private readonly written: Counter;
  private readonly failed: Counter;
  private readonly batchSize: number;
  /** Layout spec → feature_layout id (ids never change once written). */
  private readonly layouts = new Map<string, number>();

  constructor(private readonly options: PredictionLogOptions) {
    this.batchSize = options.batchSize ?? 20000;
    const registers = [options.registry];
    this.dropped = new Counter({
      name: 'modelplane_prediction_log_dropped_total',
      help: 'Predictions refused (or shadow copies not logged) because the log buffer was full',
      registers,
    });
    this.written = new Counter({
      name: 'modelplane_prediction_log_written_total',
      help: 'Predictions written to the prediction log',
      registers,
    });
    this.failed = new Counter({
      name: 'modelplane_prediction_log_flush_failures_total',
      help: 'Failed prediction log writes (retried)',
      registers,
    });
    const pending = () => this.rows;
    new Gauge({
      name: 'modelplane_prediction_log_buffered',
      help: 'Predictions waiting to be written',
      registers,
      collect() {
        this.set(pending());
      },
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /**
   * Whether `rows` more fit. The predictor asks before it serves, so a full buffer refuses the
   * request (a coded OVERLOADED error) instead of losing rows it has already acknowledged.
   */
  hasRoom(rows: number): boolean {
    return this.rows + rows <= this.options.capacity;
  }

  /** Counts rows refused because the buffer was full. */
  refuse(rows: number): void {
    this.dropped.inc(rows);
    const now = Date.now();
    if (now - this.lastDropWarning > 5000) {
      this.lastDropWarning = now;
      this.options.logger.warn({ capacity: this.options.capacity }, 'prediction log buffer full; refusing predictions until it drains');
    }
  }

  /** Queues a call's rows. Returns false (and counts the drop) when the buffer is full. */
  append(batch: LoggedBatch): boolean {
    const n = batch.ids.length;
    if (this.rows + n > this.options.capacity) {
      this.dropped.inc(n);
      const now = Date.now();
      if (now - this.lastDropWarning > 5000) {
        this.lastDropWarning = now;
        this.options.logger.warn(
          { capacity: this.options.capacity },
          'prediction log buffer full; dropping rows (see modelplane_prediction_log_dropped_total)',
        );
      }
      return false;
    }
    this.buffer.push(batch);
    this.rows += n;
    if (this.rows >= this.batchSize && !this.flushing) void this.flush();
    return true;
  }

  /** Whether a prediction is still waiting in this replica's buffer (feedback lookups; rare). */
  isBuffered(id: string): boolean {
    return this.buffer.some((b) => b.ids.includes(id));
  }

  get pending(): number {
    return this.rows;
  }

  /** Writes what is buffered now; one flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.buffer.length) return Promise.resolve();
    this.flushing = this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length) {
      let take = 0;
      let rows = 0;
      while (take < this.buffer.length && (take === 0 || rows + this.buffer[take]!.ids.length <= this.batchSize)) {
        rows += this.buffer[take]!.ids.length;
        take++;
      }
      const batches = this.buffer.slice(0, take);
      try {
        await this.write(batches, this.failures > 0);
      } catch (err) {
        this.failed.inc();
        this.failures++;
        this.options.logger.warn({ err, rows, pending: this.rows }, 'prediction log write failed; will retry');
        // Back off, keeping the rows: the next tick retries.
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(this.failures, 6))));
        return;
      }
      this.failures = 0;
      this.buffer = this.buffer.slice(take);
      this.rows -= rows;
      this.written.inc(rows);
    }
  }

  /**
   * One COPY of the given batches. After a failed attempt (which may have committed before the
   * connection broke) the rows go through a staging table and ON CONFLICT, so none is doubled.
   */
  private async write(batches: LoggedBatch[], retrying: boolean): Promise<void> {
    const pool = (this.options.db.driver as unknown as { master: Pool }).master;
    const client = await pool.connect();
    let broken: Error | undefined;
    // A checked-out pg client has no 'error' listener: without one a dying database connection
    // would crash the process. The query in flight fails on its own.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      const chunks: Buffer[] = [];
      for (const b of batches) chunks.push(...(await this.serialize(client, b)));
      if (!retrying) {
        await copyFrom(client, COPY, chunks);
        return;
      }
      await client.query('BEGIN');
      try {
        await client.query(STAGE);
        await copyFrom(client, COPY_STAGE, chunks);
        await client.query(FROM_STAGE);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      client.removeListener('error', onError);
      // A client that failed mid-COPY is not reused.
      client.release(broken);
    }
  }

  private async serialize(client: PoolClient, b: LoggedBatch): Promise<Buffer[]> {
    let layoutId = this.layouts.get(b.layout);
    if (layoutId === undefined) {
      const { rows } = await client.query<{ id: number }>(LAYOUT, [b.layout]);
      layoutId = rows[0]!.id;
      this.layouts.set(b.layout, layoutId);
    }
    const out: Buffer[] = [];
    await copyTuples(b, layoutId, out);
    return out;
  }

  /** Stops the timer and writes everything acknowledged, retrying until `deadlineMs`. */
  async stop(deadlineMs = 30000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (this.buffer.length && Date.now() < deadline) await this.flush();
    if (this.buffer.length) this.options.logger.error({ lost: this.rows }, 'prediction log rows could not be written before shutdown');
  }
}
