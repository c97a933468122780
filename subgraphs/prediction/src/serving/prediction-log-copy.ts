import type { PoolClient, Submittable } from 'pg';
import type { PredictionIds } from './prediction-ids';

/**
 * The prediction log's rows in PostgreSQL's binary COPY format, and `COPY … FROM STDIN` on a pg
 * client. The buffering, retries and metrics around it are prediction-log-writer.ts's.
 */

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

/** The prediction_log columns, in the order copyTuples writes each tuple's fields. */
export const COLUMNS = `(id, model, version, route, alias, shadow_of, feature_layout, feature_values, label, score, class_probabilities, latency_ms, created_at, error)`;
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
export async function copyTuples(b: LoggedBatch, layoutId: number, out: Buffer[]): Promise<void> {
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
export function copyFrom(client: PoolClient, sql: string, chunks: Buffer[]): Promise<void> {
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
