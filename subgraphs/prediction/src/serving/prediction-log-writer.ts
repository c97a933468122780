import type { Logger } from '@modelplane/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

export interface LoggedPrediction {
  id: string;
  model: string;
  version: number;
  route: string;
  alias: string | null;
  shadowOf: string | null;
  features: unknown;
  label: string | null;
  score: number | null;
  probabilities: number[] | null;
  latencyMs: number;
  createdAt: Date;
}

export interface PredictionLogOptions {
  db: DataSource;
  logger: Logger;
  registry: Registry;
  capacity: number;
  flushMs: number;
  /** Rows per INSERT statement. */
  batchSize?: number;
}

const INSERT = `INSERT INTO prediction.prediction_log
  (id, model, version, route, alias, shadow_of, features, label, score, probabilities, latency_ms, created_at)
SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::varchar[], $5::varchar[], $6::uuid[], $7::jsonb[], $8::text[],
  $9::float8[], $10::jsonb[], $11::float8[], $12::timestamptz[])
ON CONFLICT (id) DO NOTHING`;

/**
 * The prediction log, written off the request path: requests append to a bounded in-memory
 * buffer and a flusher writes it with one multi-row INSERT per batch. A full buffer drops the
 * row and counts it (requests never block on the database); a failed write keeps the rows and
 * retries with backoff; stop() writes everything still buffered.
 */
export class PredictionLogWriter {
  private buffer: LoggedPrediction[] = [];
  private readonly ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private lastDropWarning = 0;
  private readonly dropped: Counter;
  private readonly written: Counter;
  private readonly failed: Counter;
  private readonly batchSize: number;

  constructor(private readonly options: PredictionLogOptions) {
    this.batchSize = options.batchSize ?? 2000;
    const registers = [options.registry];
    this.dropped = new Counter({
      name: 'modelplane_prediction_log_dropped_total',
      help: 'Predictions not logged because the buffer was full',
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
    const buffer = () => this.buffer.length;
    new Gauge({
      name: 'modelplane_prediction_log_buffered',
      help: 'Predictions waiting to be written',
      registers,
      collect() {
        this.set(buffer());
      },
    });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  /** Queues a row. Returns false (and counts a drop) when the buffer is full. */
  append(row: LoggedPrediction): boolean {
    if (this.buffer.length >= this.options.capacity) {
      this.dropped.inc();
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
    this.buffer.push(row);
    this.ids.add(row.id);
    if (this.buffer.length >= this.batchSize && !this.flushing) void this.flush();
    return true;
  }

  /** Whether a prediction is still waiting in this replica's buffer. */
  isBuffered(id: string): boolean {
    return this.ids.has(id);
  }

  get pending(): number {
    return this.buffer.length;
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
      const batch = this.buffer.slice(0, this.batchSize);
      try {
        await this.options.db.query(INSERT, [
          batch.map((r) => r.id),
          batch.map((r) => r.model),
          batch.map((r) => r.version),
          batch.map((r) => r.route),
          batch.map((r) => r.alias),
          batch.map((r) => r.shadowOf),
          batch.map((r) => JSON.stringify(r.features)),
          batch.map((r) => r.label),
          batch.map((r) => r.score),
          batch.map((r) => (r.probabilities ? JSON.stringify(r.probabilities) : null)),
          batch.map((r) => r.latencyMs),
          batch.map((r) => r.createdAt),
        ]);
      } catch (err) {
        this.failed.inc();
        this.failures++;
        this.options.logger.warn({ err, rows: batch.length, pending: this.buffer.length }, 'prediction log write failed; will retry');
        // Back off, keeping the rows: the next tick retries.
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(this.failures, 6))));
        return;
      }
      this.failures = 0;
      this.buffer = this.buffer.slice(batch.length);
      for (const r of batch) this.ids.delete(r.id);
      this.written.inc(batch.length);
    }
  }

  /** Stops the timer and writes everything acknowledged, retrying until `deadlineMs`. */
  async stop(deadlineMs = 30000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    while (this.buffer.length && Date.now() < deadline) await this.flush();
    if (this.buffer.length)
      this.options.logger.error({ lost: this.buffer.length }, 'prediction log rows could not be written before shutdown');
  }
}
