import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { startPlatform, TEST_ADMIN_KEY, type Platform } from '../support/processes';
import { serveNumericModel } from '../support/models';
import { sleep } from './helpers';

/**
 * SIGTERM to `modelplane-server all` while it is under load: every request that was completely
 * sent before the signal gets its full answer (no connection reset), every prediction
 * acknowledged before the process exited is in prediction.prediction_log afterwards, and the
 * process exits 0.
 */
const MODEL = 'sigterm';
const model = logisticModel([0.4, -0.9, 0.25], 0.05);
const row = (i: number) => ({ a: (i % 17) / 10, b: (i % 5) / 3, c: -(i % 11) / 7 });
const BATCH_ROWS = 4000;

type Kind = 'predict' | 'batch' | 'planned';
const bodies: Record<Kind, (i: number) => string> = {
  predict: (i) =>
    JSON.stringify({ query: 'query P($f: JSONObject!) { predict(model: "sigterm", features: $f) { id } }', variables: { f: row(i) } }),
  batch: (i) =>
    JSON.stringify({
      query: 'query B($rows: [JSONObject!]!) { predictBatch(model: "sigterm", rows: $rows) { id } }',
      variables: { rows: Array.from({ length: BATCH_ROWS }, (_, r) => row(i + r)) },
    }),
  // Cross-subgraph: through Apollo Gateway's query plan rather than the fast path.
  planned: () => JSON.stringify({ query: '{ model(name: "sigterm") { name productionVersion { version } trafficSplit { percent } } }' }),
};

interface Outcome {
  kind: Kind;
  /** When the whole request had been handed to the kernel ('finish'); null if it never was. */
  sentAt: number | null;
  answeredAt: number | null;
  status: number | null;
  ids: string[];
  errors: unknown;
  failure: string | null;
}

/** One POST on a keep-alive agent, recording when the request was fully written. */
function post(agent: Agent, url: string, kind: Kind, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { kind, sentAt: null, answeredAt: null, status: null, ids: [], errors: undefined, failure: null };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => resolve({ ...outcome, failure: err.message }));
      res.on('end', () => {
        outcome.answeredAt = Date.now();
        outcome.status = res.statusCode ?? null;
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
            data?: { predict?: { id: string }; predictBatch?: Array<{ id: string }> } | null;
            errors?: unknown;
          };
          outcome.errors = parsed.errors;
          if (parsed.data?.predict) outcome.ids = [parsed.data.predict.id];
          if (parsed.data?.predictBatch) outcome.ids = parsed.data.predictBatch.map((p) => p.id);
        } catch (err) {
          outcome.failure = `unparsable answer: ${(err as Error).message}`;
        }
        resolve(outcome);
      });
    });
    req.on('finish', () => (outcome.sentAt = Date.now()));
    req.on('error', (err) => resolve({ ...outcome, failure: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(body);
  });
}

/** The raw bytes of one HTTP/1.1 POST to /graphql. */
function rawPost(body: string): string {
  return (
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/**
 * Two requests pipelined on one connection (a 10 000-row batch, then a predict), both fully
 * written before `signal` is called. Resolves with the HTTP status lines the server sent back.
 */
async function pipelinedAcrossSignal(port: number, signal: () => void): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const big = JSON.stringify({
    query: 'query B($rows: [JSONObject!]!) { predictBatch(model: "sigterm", rows: $rows) { id } }',
    variables: { rows: Array.from({ length: 10000 }, (_, r) => row(r)) },
  });
  await new Promise<void>((resolve) => socket.write(rawPost(big) + rawPost(bodies.predict(1)), () => resolve()));
  // The batch is being served (10 000 rows take tens of milliseconds); the predict waits behind it.
  await sleep(10);
  signal();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 15000)))]);
  clearTimeout(timer);
  socket.destroy();
  return received.match(/HTTP\/1\.1 \d{3}/g) ?? [];
}

describe('SIGTERM under load', () => {
  let db: TestDatabase;
  let platform: Platform;
  let pipelined: string[] = [];
  let unacknowledgedLogged = -1;

  beforeAll(async () => {
    db = await createTestDatabase('faults_sigterm');
    // Room in the log buffer for all of this test's load: a full buffer refuses predictions
    // (OVERLOADED), which is tested elsewhere; here every request sent must be answered.
    platform = await startPlatform(db.url, undefined, { PREDICTION_LOG_FLUSH_MS: '200', PREDICTION_LOG_BUFFER: '5000000' });
    await serveNumericModel(platform.url, MODEL, model.base64, ['a', 'b', 'c']);
  });

  afterAll(async () => {
    await platform?.stop('SIGKILL');
    await db?.drop();
  });

  it('answers every request sent before the signal, logs every acknowledged prediction and exits 0', async () => {
    const kinds: Kind[] = ['predict', 'predict', 'predict', 'predict', 'batch', 'batch', 'planned', 'planned'];
    const agent = new Agent({ keepAlive: true, maxSockets: kinds.length });
    const outcomes: Outcome[] = [];
    let running = true;
    const loops = kinds.map(async (kind, w) => {
      for (let i = w * 100_000; running; i++) {
        const outcome = await post(agent, platform.url, kind, bodies[kind](i));
        outcomes.push(outcome);
        // After a failure (the server is going away) stop this loop.
        if (outcome.failure || outcome.status !== 200) break;
      }
    });
    await sleep(2000);
    let signalledAt = 0;
    let exited: Promise<number | null> | undefined;
    pipelined = await pipelinedAcrossSignal(platform.ports.PORT!, () => {
      signalledAt = Date.now();
      exited = platform.stop('SIGTERM');
    });
    const code = await exited!;
    running = false;
    await Promise.all(loops);
    agent.destroy();

    expect(code).toBe(0);
    const sentBefore = outcomes.filter((o) => o.sentAt !== null && o.sentAt < signalledAt);
    const broken = sentBefore.filter((o) => o.failure || o.status !== 200 || o.errors);
    expect(broken.map((o) => `${o.kind}: ${o.failure ?? o.status} ${JSON.stringify(o.errors ?? null)}`)).toEqual([]);
    // Requests were really in flight when the signal came, and they completed.
    const inFlight = sentBefore.filter((o) => o.answeredAt! >= signalledAt);
    expect(inFlight.length).toBeGreaterThan(0);
    expect(sentBefore.length).toBeGreaterThanOrEqual(kinds.length);
    // Both requests pipelined on one connection before the signal were answered too.
    expect(pipelined).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);

    // Every prediction acknowledged (before the signal or during the drain) was logged.
    const acknowledged = outcomes.filter((o) => o.status === 200 && !o.errors).flatMap((o) => o.ids);
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE id = ANY($1::uuid[])', [
        acknowledged,
      ]);
      expect(rows[0].n).toBe(acknowledged.length);
      const total = await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE model = $1', [MODEL]);
      // Minus the pipelined pair (answered, its ids not parsed here): 10 000 + 1 rows.
      unacknowledgedLogged = total.rows[0].n - acknowledged.length - 10001;
    } finally {
      await sql.end();
    }
    const refused = outcomes.filter((o) => o.failure);
    console.log(
      `SIGTERM: ${sentBefore.length} requests sent before it, all answered (${inFlight.length} in flight at the signal, ` +
        `longest finished ${Math.max(...inFlight.map((o) => o.answeredAt! - signalledAt))} ms after it); ` +
        `${acknowledged.length} predictions acknowledged and logged; ${refused.length} later requests refused ` +
        `(${[...new Set(refused.map((o) => o.failure))].join(', ')}); ${unacknowledgedLogged} predictions logged that no client ` +
        `received`,
    );
  });

  // While draining, a request that begins on a kept-alive connection is answered, refused with
  // SHUTTING_DOWN, or never read: none runs and then dies with its connection (ECONNRESET for a
  // prediction already served and logged). sigterm-keepalive.e2e.test.ts tests each case.
  it('executes no request whose answer it can no longer deliver', () => {
    expect(unacknowledgedLogged).toBe(0);
  });
});
