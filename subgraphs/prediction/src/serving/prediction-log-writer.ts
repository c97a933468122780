import type { Logger } from '@modelplane/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

/** One predict/predictBatch call's rows, logged together (no per-row objects on the hot path). */
export interface LoggedBatch {
  ids: string[];
  model: string;
  version: number;
  route: string;
  alias: string | null;
  /** Shadow rows: the id of the served prediction each one copies. */
  shadowOf: string[] | null;
  rows: readonly unknown[];
  /** Serializes one (validated) row for the log. */
  rowJson: (row: unknown) => string;
  labels: (string | null)[];
  scores: ArrayLike<number>;
  /** Row-major [rows, classCount] class probabilities, or null for regression. */
  probabilities: ArrayLike<number> | null;
  classCount: number;
  latencyMs: number;
  createdAt: Date;
}

export interface PredictionLogOptions {
  db: DataSource;
  logger: Logger;
  registry: Registry;
  /** Most rows held in memory. */
  capacity: number;
  flushMs: number;
  /** Rows per INSERT statement (whole batches are never split). */
  batchSize?: number;
}

// The rows travel as one JSON document that PostgreSQL expands in C: far cheaper than encoding
// a dozen array parameters element by element in JavaScript.
const INSERT = `INSERT INTO prediction.prediction_log
  (id, model, version, route, alias, shadow_of, features, label, score, probabilities, latency_ms, created_at)
SELECT id, model, version, route, alias, shadow_of, features, label, score, probabilities, latency_ms, created_at
FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, model varchar, version int, route varchar, alias varchar, shadow_of uuid,
  features jsonb, label text, score float8, probabilities jsonb, latency_ms float8, created_at timestamptz)
ON CONFLICT (id) DO NOTHING`;

const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/** Rows serialized between turns of the event loop while a flush builds its document. */
const SERIALIZE_CHUNK = 1000;

async function batchJson(b: LoggedBatch): Promise<string> {
  const head = `"model":${JSON.stringify(b.model)},"version":${b.version},"route":${JSON.stringify(b.route)},"alias":${JSON.stringify(b.alias)},"latency_ms":${num(b.latencyMs)},"created_at":"${b.createdAt.toISOString()}"`;
  const parts: string[] = new Array(b.ids.length);
  for (let i = 0; i < b.ids.length; i++) {
    if (i && i % SERIALIZE_CHUNK === 0) await new Promise((r) => setImmediate(r));
    let probs = 'null';
    if (b.probabilities) {
      const k = b.classCount;
      const values: string[] = new Array(k);
      for (let c = 0; c < k; c++) values[c] = num(b.probabilities[i * k + c]!);
      probs = `[${values.join(',')}]`;
    }
    parts[i] =
      `{"id":"${b.ids[i]}",${head},"shadow_of":${b.shadowOf ? `"${b.shadowOf[i]}"` : 'null'},"features":${b.rowJson(b.rows[i])},` +
      `"label":${JSON.stringify(b.labels[i])},"score":${num(b.scores[i]!)},"probabilities":${probs}}`;
  }
  return parts.join(',');
}

/**
 * The prediction log, written off the request path: requests append their batch to a bounded
 * in-memory buffer and a flusher writes it with one INSERT per few thousand rows. A full buffer
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

  constructor(private readonly options: PredictionLogOptions) {
    this.batchSize = options.batchSize ?? 5000;
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
        const documents: string[] = [];
        for (const b of batches) documents.push(await batchJson(b));
        await this.options.db.query(INSERT, [`[${documents.join(',')}]`]);
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

  /** Stops the timer and writes everything acknowledged, retrying until `deadlineMs`. */
  async stop(deadlineMs = 30000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (this.buffer.length && Date.now() < deadline) await this.flush();
    if (this.buffer.length) this.options.logger.error({ lost: this.rows }, 'prediction log rows could not be written before shutdown');
  }
}
