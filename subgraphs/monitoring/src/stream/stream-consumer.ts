import { type Logger, isUuid } from '@modelplane/core';
import type { DataSource, QueryRunner } from 'typeorm';
import type { FeedbackItem, PredictionItem, StreamName, StreamSource } from '../clients/log-stream-client';

/** A consumed prediction, as the latency histogram needs it. */
export interface ConsumedPrediction {
  model: string;
  version: number;
  latencyMs: number | null;
  createdAt: Date;
}

export interface StreamConsumerOptions {
  db: DataSource;
  source: StreamSource;
  logger: Logger;
  pollMs: number;
  batchSize: number;
  /** Called after commit with the predictions this replica stored (each exactly once across replicas). */
  onPredictions?: (rows: ConsumedPrediction[]) => void;
}

const INSERT_OBSERVATIONS = `INSERT INTO monitoring.observation (id, model, version, route, features, label, score, latency_ms, error, created_at)
SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::varchar[], $5::jsonb[], $6::text[], $7::float8[], $8::float8[],
  $9::varchar[], $10::timestamptz[])
ON CONFLICT (id) DO NOTHING
RETURNING model, version, latency_ms AS "latencyMs", created_at AS "createdAt"`;

const INSERT_LABELS = `INSERT INTO monitoring.label (prediction_id, model, actual, created_at)
SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::text[], $4::timestamptz[])
ON CONFLICT (prediction_id) DO NOTHING`;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Copies the prediction log and feedback streams into monitoring's own tables. Each page is one
 * transaction that takes a per-stream advisory lock, reads the cursor, stores the rows and moves
 * the cursor: with several replicas exactly one reads at a time (the others skip the tick), and a
 * crash between fetch and commit leaves the cursor where it was, so nothing is lost or doubled.
 */
export class StreamConsumer {
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamConsumerOptions) {}

  start(): void {
    this.stopped = false;
    this.loop ??= this.run();
  }

  /** Stops after the page in flight (if any) commits. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let more = false;
      try {
        const predictions = await this.consume('predictions');
        const feedback = await this.consume('feedback');
        // A full page means the stream has more: read on without waiting.
        more = predictions >= this.options.batchSize || feedback >= this.options.batchSize;
        failures = 0;
      } catch (err) {
        failures++;
        // At start-up the prediction service may simply not be up yet: only persistent failures are warnings.
        const level = failures > 3 ? 'warn' : 'debug';
        this.options.logger[level]({ err, failures }, 'reading the prediction streams failed; retrying');
      }
      if (!more && !this.stopped) {
        const delay = failures ? Math.min(30000, this.options.pollMs * 2 ** Math.min(failures, 5)) : this.options.pollMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /**
   * Reads and stores one page of a stream. Returns the number of items read, or -1 when another
   * replica holds the stream right now.
   */
  async consume(stream: StreamName): Promise<number> {
    const runner = this.options.db.createQueryRunner();
    await runner.connect();
    let stored: ConsumedPrediction[] = [];
    let count: number;
    try {
      await runner.startTransaction();
      const [lock] = (await runner.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [
        `modelplane:monitoring:stream:${stream}`,
      ])) as Array<{ locked: boolean }>;
      if (!lock?.locked) {
        await runner.rollbackTransaction();
        return -1;
      }
      const [cursor] = (await runner.query('SELECT position FROM monitoring.stream_cursor WHERE stream = $1 FOR UPDATE', [
        stream,
      ])) as Array<{
        position: string;
      }>;
      const after = cursor?.position ?? '';
      if (stream === 'predictions') {
        const page = await this.options.source.read('predictions', after, this.options.batchSize);
        stored = await this.storePredictions(runner, page.items);
        count = page.items.length;
        await this.moveCursor(runner, stream, page.next);
      } else {
        const page = await this.options.source.read('feedback', after, this.options.batchSize);
        await this.storeFeedback(runner, page.items);
        count = page.items.length;
        await this.moveCursor(runner, stream, page.next);
      }
      await runner.commitTransaction();
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    if (stored.length) this.options.onPredictions?.(stored);
    return count;
  }

  private async moveCursor(runner: QueryRunner, stream: StreamName, position: string): Promise<void> {
    await runner.query(
      `INSERT INTO monitoring.stream_cursor (stream, position, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (stream) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [stream, position],
    );
  }

  private async storePredictions(runner: QueryRunner, items: PredictionItem[]): Promise<ConsumedPrediction[]> {
    const rows = items.filter((i) => {
      const ok = typeof i.id === 'string' && isUuid(i.id) && typeof i.model === 'string' && Number.isInteger(i.version);
      if (!ok) this.options.logger.warn({ item: i }, 'skipping a malformed prediction log item');
      return ok;
    });
    if (!rows.length) return [];
    const inserted = (await runner.query(INSERT_OBSERVATIONS, [
      rows.map((r) => r.id),
      rows.map((r) => r.model),
      rows.map((r) => r.version),
      rows.map((r) => String(r.route ?? 'PRODUCTION')),
      rows.map((r) => (r.features && typeof r.features === 'object' ? JSON.stringify(r.features) : null)),
      rows.map((r) => (r.label === null || r.label === undefined ? null : String(r.label))),
      rows.map((r) => finite(r.score)),
      rows.map((r) => finite(r.latencyMs)),
      rows.map((r) => (typeof r.error === 'string' && r.error ? r.error.slice(0, 64) : null)),
      rows.map((r) => r.createdAt),
    ])) as Array<{ model: string; version: number; latencyMs: number | null; createdAt: Date }>;
    return inserted;
  }

  private async storeFeedback(runner: QueryRunner, items: FeedbackItem[]): Promise<void> {
    const rows = items.filter((i) => typeof i.predictionId === 'string' && isUuid(i.predictionId) && typeof i.actual === 'string');
    if (!rows.length) return;
    await runner.query(INSERT_LABELS, [
      rows.map((r) => r.predictionId),
      rows.map((r) => r.model),
      rows.map((r) => r.actual),
      rows.map((r) => r.createdAt),
    ]);
  }
}
