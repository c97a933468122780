import { randomUUID } from 'node:crypto';
import { createLogger } from '@modelplane/core';
import { monitoringMigrations } from '@modelplane/migrations';
import type { DataSource } from 'typeorm';
import { createTestDatabase, migratedTestDataSource, type TestDatabase } from '../../../../tests/support/database';
import type { FeedbackItem, PredictionItem, StreamName, StreamPage, StreamSource } from '../clients/log-stream-client';
import { StreamConsumer, type ConsumedPrediction } from './stream-consumer';

const logger = createLogger('test', 'silent');

/** An in-memory stream with the prediction subgraph's contract: ordered, cursor = index of the last item. */
class FakeStreams implements StreamSource {
  readonly predictions: PredictionItem[] = [];
  readonly feedback: FeedbackItem[] = [];
  reads: Array<{ stream: StreamName; after: string }> = [];
  /** Makes reads slow, so two consumers overlap. */
  delayMs = 0;
  failNext = false;

  read(stream: 'predictions', after: string, limit: number): Promise<StreamPage<PredictionItem>>;
  read(stream: 'feedback', after: string, limit: number): Promise<StreamPage<FeedbackItem>>;
  async read(stream: StreamName, after: string, limit: number): Promise<StreamPage<PredictionItem | FeedbackItem>> {
    this.reads.push({ stream, after });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('prediction service unavailable');
    }
    const all: Array<PredictionItem | FeedbackItem> = stream === 'predictions' ? this.predictions : this.feedback;
    const start = after === '' ? 0 : Number(after.split('.')[1]);
    const items = all.slice(start, start + limit);
    return { items, next: `1.${start + items.length}` };
  }
}

function prediction(i: number, model = 'm'): PredictionItem {
  return {
    id: randomUUID(),
    model,
    version: 1 + (i % 2),
    route: 'PRODUCTION',
    features: { x: i, colour: i % 3 ? 'red' : 'blue' },
    label: i % 2 ? 'yes' : 'no',
    score: (i % 10) / 10,
    // Pairs of rows share created_at and latency: one predictBatch request each.
    latencyMs: 1 + Math.floor(i / 2),
    createdAt: new Date(Date.UTC(2026, 10, 20, 12, 0, Math.floor(i / 2))).toISOString(),
  };
}

describe('StreamConsumer (prediction log and feedback into monitoring tables)', () => {
  let tdb: TestDatabase;
  let a: DataSource;
  let b: DataSource;

  const schema = { name: 'monitoring', entities: [], migrations: monitoringMigrations };

  beforeAll(async () => {
    tdb = await createTestDatabase('monitoring_stream');
    a = await migratedTestDataSource(tdb.url, schema, { poolSize: 4 });
    b = await migratedTestDataSource(tdb.url, schema, { poolSize: 4, migrate: false });
  });

  afterAll(async () => {
    await a?.destroy();
    await b?.destroy();
    await tdb?.drop();
  });

  beforeEach(async () => {
    await a.query('TRUNCATE monitoring.observation, monitoring.label, monitoring.stream_cursor');
  });

  it('stores every item once, keeps the cursor and resumes from it', async () => {
    const streams = new FakeStreams();
    for (let i = 0; i < 25; i++) streams.predictions.push(prediction(i));
    streams.feedback.push({ predictionId: streams.predictions[0]!.id, model: 'm', actual: 'no', createdAt: new Date().toISOString() });
    const consumer = new StreamConsumer({ db: a, source: streams, logger, pollMs: 10, batchSize: 10 });
    expect(await consumer.consume('predictions')).toBe(10);
    expect(await consumer.consume('predictions')).toBe(10);
    expect(await consumer.consume('predictions')).toBe(5);
    expect(await consumer.consume('predictions')).toBe(0);
    expect(await consumer.consume('feedback')).toBe(1);
    const [{ n }] = await a.query('SELECT count(*)::int AS n FROM monitoring.observation');
    expect(n).toBe(25);
    expect(await a.query('SELECT stream, position FROM monitoring.stream_cursor ORDER BY stream')).toEqual([
      { stream: 'feedback', position: '1.1' },
      { stream: 'predictions', position: '1.25' },
    ]);
    // A new consumer (a restart) continues from the stored cursor.
    streams.predictions.push(prediction(25));
    streams.reads = [];
    const restarted = new StreamConsumer({ db: a, source: streams, logger, pollMs: 10, batchSize: 10 });
    expect(await restarted.consume('predictions')).toBe(1);
    expect(streams.reads[0]).toEqual({ stream: 'predictions', after: '1.25' });
    const [stored] = await a.query(
      `SELECT model, version, route, features, label, score, latency_ms AS "latencyMs", error FROM monitoring.observation ORDER BY seq LIMIT 1`,
    );
    expect(stored).toEqual({
      model: 'm',
      version: 1,
      route: 'PRODUCTION',
      features: { x: 0, colour: 'blue' },
      label: 'no',
      score: 0,
      latencyMs: 1,
      error: null,
    });
  });

  it('leaves the cursor where it was when a read fails, so nothing is skipped', async () => {
    const streams = new FakeStreams();
    for (let i = 0; i < 5; i++) streams.predictions.push(prediction(i));
    const consumer = new StreamConsumer({ db: a, source: streams, logger, pollMs: 10, batchSize: 3 });
    await consumer.consume('predictions');
    streams.failNext = true;
    await expect(consumer.consume('predictions')).rejects.toThrow('unavailable');
    expect(await a.query(`SELECT position FROM monitoring.stream_cursor WHERE stream = 'predictions'`)).toEqual([{ position: '1.3' }]);
    expect(await consumer.consume('predictions')).toBe(2);
    const [{ n }] = await a.query('SELECT count(*)::int AS n FROM monitoring.observation');
    expect(n).toBe(5);
  });

  it('two consumers (two replicas) together store each item exactly once and observe each request once', async () => {
    const streams = new FakeStreams();
    streams.delayMs = 5;
    for (let i = 0; i < 400; i++) streams.predictions.push(prediction(i, i % 2 ? 'm' : 'n'));
    const seen: ConsumedPrediction[][] = [[], []];
    const consumers = [a, b].map(
      (db, k) =>
        new StreamConsumer({ db, source: streams, logger, pollMs: 5, batchSize: 7, onPredictions: (rows) => seen[k]!.push(...rows) }),
    );
    consumers.forEach((c) => c.start());
    const deadline = Date.now() + 20000;
    for (;;) {
      const [{ n }] = await a.query('SELECT count(*)::int AS n FROM monitoring.observation');
      if (n === 400 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(consumers.map((c) => c.stop()));
    const [{ n, ids }] = await a.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM monitoring.observation');
    expect({ n, ids }).toEqual({ n: 400, ids: 400 });
    // Both replicas took part, and between them every row was handed to the metrics exactly once.
    expect(seen[0]!.length).toBeGreaterThan(0);
    expect(seen[1]!.length).toBeGreaterThan(0);
    expect(seen[0]!.length + seen[1]!.length).toBe(400);
    // Pages were read gap-free: each started where the previous one ended (0, 7, 14, …), whichever replica read it.
    const afters = new Set(streams.reads.filter((r) => r.stream === 'predictions').map((r) => r.after));
    const starts = ['', ...Array.from({ length: Math.ceil(400 / 7) - 1 }, (_, k) => `1.${7 * (k + 1)}`)];
    expect(starts.every((s) => afters.has(s))).toBe(true);
    expect([...afters].every((a) => starts.includes(a) || a === '1.400')).toBe(true);
  });

  it('stores failed predictions when the stream carries them (error rate), and skips malformed items', async () => {
    const streams = new FakeStreams();
    streams.predictions.push({ ...prediction(0), error: 'BAD_USER_INPUT', features: null, score: null, label: null });
    streams.predictions.push({ ...prediction(1), id: 'not-a-uuid' });
    const consumer = new StreamConsumer({ db: a, source: streams, logger, pollMs: 10, batchSize: 10 });
    expect(await consumer.consume('predictions')).toBe(2);
    expect(await a.query('SELECT error FROM monitoring.observation')).toEqual([{ error: 'BAD_USER_INPUT' }]);
  });
});
