import type { Logger } from '@modelplane/core';
import type { FeatureSpec } from '@modelplane/inference';
import type { Pool, PoolClient, Submittable } from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PredictionIds } from './prediction-ids';
import type { DataSource } from 'typeorm';

/** One predict/predictBatch call's rows, logged together (no per-row objects on the hot path). */
export interface LoggedBatch {
  ids: PredictionIds;
  model: string;
  version: number;
  route: string;
  alias: string | null;
  /** Shadow rows: the id of the served prediction each one copies. */
  shadowOf: PredictionIds | null;
  /** The model's feature layout (`logLayout`): names the values. */
  layout: string;
  /** Row-major [rows, features] validated values (a category as its index). */
  values: Float64Array;
  labels: (string | null)[];
  scores: ArrayLike<number>;
  /** Row-major [rows, classCount] class probabilities, or null for regression. */
  probabilities: ArrayLike<number> | null;
  classCount: number;
  latencyMs: number;
  createdAt: Date;
  /** A failed call: one row with this error code and no features or outputs. */
  error?: string;
}

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

const COLUMNS = `(id, model, version, route, alias, shadow_of, feature_layout, feature_values, label, score, class_probabilities, latency_ms, created_at, error)`;
// COPY is several times cheaper for PostgreSQL than INSERT … SELECT from a jsonb document, but has
// no ON CONFLICT: a retry after a failure (which may have committed) goes through a staging table.
const COPY = `COPY prediction.prediction_log ${COLUMNS} FROM STDIN (FORMAT binary)`;
// Same columns, none of the log's constraints or defaults (seq and txid are the log's to assign).
const STAGE = `CREATE TEMP TABLE IF NOT EXISTS prediction_log_stage ON COMMIT DELETE ROWS AS SELECT ${COLUMNS.slice(1, -1)} FROM prediction.prediction_log WITH NO DATA`;
const COPY_STAGE = `COPY prediction_log_stage ${COLUMNS} FROM STDIN (FORMAT binary)`;
const FROM_STAGE = `INSERT INTO prediction.prediction_log ${COLUMNS} SELECT ${COLUMNS.slice(1, -1)} FROM prediction_log_stage ON CONFLICT (id) DO NOTHING`;
const LAYOUT = `INSERT INTO prediction.feature_layout (spec, features) VALUES ($1::text, $1::text::jsonb)
  ON CONFLICT (spec) DO UPDATE SET spec = EXCLUDED.spec RETURNING id`;

// Binary COPY: numbers go from the typed arrays to PostgreSQL as 8 raw bytes each, with no
// number-to-text conversion here nor parsing there (both were most of a row's cost in text form).
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);
const FIELDS = 14;
const FLOAT8_OID = 701;
/** PostgreSQL timestamps count microseconds from 2000-01-01 UTC. */
const PG_EPOCH_MS = 946_684_800_000;

/** Copies the i-th id's 16 bytes. */
const writeUuid = (buf: Buffer, at: number, ids: PredictionIds, i: number): number => at + ids.bytes.copy(buf, at, i * 16, i * 16 + 16);

/** A float8[] of `count` values from `from`; non-finite values become NULL, as JSON had them. */
function writeFloatArray(buf: Buffer, at: number, values: ArrayLike<number>, from: number, count: number): number {
  let o = at + 4;
  const start = o;
  o = buf.writeInt32BE(1, o); // dimensions
  o = buf.writeInt32BE(0, o); // has-nulls flag (PostgreSQL works it out itself)
  o = buf.writeInt32BE(FLOAT8_OID, o);
  o = buf.writeInt32BE(count, o);
  o = buf.writeInt32BE(1, o); // lower bound
  for (let i = 0; i < count; i++) {
    const x = values[from + i]!;
    if (Number.isFinite(x)) {
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE(x, o);
    } else o = buf.writeInt32BE(-1, o);
  }
  buf.writeInt32BE(o - start, at);
  return o;
}

const field = (buf: Buffer, at: number, bytes: Buffer | null): number => {
  if (!bytes) return buf.writeInt32BE(-1, at);
  const o = buf.writeInt32BE(bytes.length, at);
  return o + bytes.copy(buf, o);
};

/** Rows serialized between turns of the event loop while a flush builds its data. */
const SERIALIZE_CHUNK = 2000;

/** One batch as binary COPY tuples, in chunks, yielding between them to requests waiting meanwhile. */
async function copyTuples(b: LoggedBatch, layoutId: number, out: Buffer[]): Promise<void> {
  const rows = b.ids.length;
  const n = b.values.length / rows;
  const k = b.classCount;
  const model = Buffer.from(b.model);
  const route = Buffer.from(b.route);
  const alias = b.alias === null ? null : Buffer.from(b.alias);
  const labels = new Map<string, Buffer>();
  let labelBytes = 0;
  for (const l of b.labels) {
    if (l !== null && !labels.has(l)) {
      const bytes = Buffer.from(l);
      labels.set(l, bytes);
      labelBytes = Math.max(labelBytes, bytes.length);
    }
  }
  const createdAt = Buffer.alloc(8);
  createdAt.writeBigInt64BE(BigInt(Math.round((b.createdAt.getTime() - PG_EPOCH_MS) * 1000)));
  const error = b.error === undefined ? null : Buffer.from(b.error);
  // Upper bound of one tuple: 14 length words, fixed-size values, arrays (20-byte header + 12 per element), texts.
  const rowBytes = 2 + FIELDS * 4 + 16 + model.length + 4 + route.length + (alias?.length ?? 0) + 16 + 4;
  const maxRow = rowBytes + 20 + 12 * n + labelBytes + 8 + 20 + 12 * k + 8 + 8 + (error?.length ?? 0);
  for (let first = 0; first < rows; first += SERIALIZE_CHUNK) {
    if (first) await new Promise((r) => setImmediate(r));
    const last = Math.min(rows, first + SERIALIZE_CHUNK);
    const buf = Buffer.allocUnsafe((last - first) * maxRow);
    let o = 0;
    for (let i = first; i < last; i++) {
      o = buf.writeInt16BE(FIELDS, o);
      o = writeUuid(buf, buf.writeInt32BE(16, o), b.ids, i);
      o = field(buf, o, model);
      o = buf.writeInt32BE(b.version, buf.writeInt32BE(4, o));
      o = field(buf, o, route);
      o = field(buf, o, alias);
      o = b.shadowOf ? writeUuid(buf, buf.writeInt32BE(16, o), b.shadowOf, i) : buf.writeInt32BE(-1, o);
      if (error) {
        // feature_layout, feature_values, label, score, class_probabilities: none for a failure.
        for (let f = 0; f < 5; f++) o = buf.writeInt32BE(-1, o);
      } else {
        o = buf.writeInt32BE(layoutId, buf.writeInt32BE(4, o));
        o = writeFloatArray(buf, o, b.values, i * n, n);
        const label = b.labels[i] ?? null;
        o = field(buf, o, label === null ? null : labels.get(label)!);
        const score = b.scores[i]!;
        o = Number.isFinite(score) ? buf.writeDoubleBE(score, buf.writeInt32BE(8, o)) : buf.writeInt32BE(-1, o);
        o = b.probabilities ? writeFloatArray(buf, o, b.probabilities, i * k, k) : buf.writeInt32BE(-1, o);
      }
      o = Number.isFinite(b.latencyMs) ? buf.writeDoubleBE(b.latencyMs, buf.writeInt32BE(8, o)) : buf.writeInt32BE(-1, o);
      o = field(buf, o, createdAt);
      o = field(buf, o, error);
    }
    out.push(buf.subarray(0, o));
  }
}

/**
 * Runs `COPY … FROM STDIN` with the given data on a pg client (the COPY sub-protocol pg exposes
 * to submittables; what pg-copy-streams does, without the dependency or a stream per flush).
 */
function copyFrom(client: PoolClient, sql: string, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    interface CopyConnection {
      query(sql: string): void;
      sendCopyFromChunk(chunk: Buffer): void;
      endCopyFrom(): void;
    }
    let connection: CopyConnection;
    const copy = {
      submit(c: unknown) {
        connection = c as CopyConnection;
        connection.query(sql);
      },
      handleCopyInResponse() {
        connection.sendCopyFromChunk(COPY_HEADER);
        for (const chunk of chunks) if (chunk.length) connection.sendCopyFromChunk(chunk);
        connection.sendCopyFromChunk(COPY_TRAILER);
        connection.endCopyFrom();
      },
      handleCommandComplete() {},
      handleReadyForQuery() {
        resolve();
      },
      // pg drops the active query on an error (it never sees ReadyForQuery): settle now.
      handleError(err: Error) {
        reject(err);
      },
    };
    void client.query(copy as unknown as Submittable);
  });
}

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
