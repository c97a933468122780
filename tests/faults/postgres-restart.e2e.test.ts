import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createLogger, startEmbeddedPostgres, type EmbeddedPostgres } from '@modelplane/core';
import { freePort } from '../support/global-setup';
import { logisticModel } from '../support/onnx-models';
import { gql, startPlatform, type Platform } from '../support/processes';
import { sleep, steadyLoad, until } from './helpers';
import { serveNumericModel } from '../support/models';

/**
 * PostgreSQL stopped and started again under prediction load, on a PostgreSQL of this test's own
 * (not the shared test server): predictions keep being served from the loaded ONNX sessions and
 * the cached model catalog, the prediction log buffers what it cannot write and flushes it once
 * the database is back, so the logged count equals the acknowledged count.
 */
const MODEL = 'pg-restart';
const model = logisticModel([0.7, -1.2], 0.3);
type Predicted = { predict: { id: string; score: number; modelVersion: { version: number } } };

describe('PostgreSQL restarted under prediction load', () => {
  let home: string;
  let port: number;
  let pg: EmbeddedPostgres;
  let platform: Platform;
  const logger = createLogger('faults-postgres', 'warn');

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'modelplane-faults-pg-'));
    port = await freePort();
    pg = await startEmbeddedPostgres({ home, port, logger });
    platform = await startPlatform(pg.url, undefined, { PREDICTION_LOG_FLUSH_MS: '50' });
    await serveNumericModel(platform.url, MODEL, model.base64);
  });

  afterAll(async () => {
    await platform?.stop();
    await pg?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('keeps serving predictions while PostgreSQL is down and logs every acknowledged one once it is back', async () => {
    // Warm: the catalog has the model and the session is loaded.
    expect((await gql<Predicted>(platform.url, `{ predict(model: "${MODEL}", features: { a: 1, b: 1 }) { id } }`)).errors).toBeUndefined();

    const load = steadyLoad(4, ['predict'], async () => {
      const i = Math.floor(Math.random() * 1000) / 100;
      return gql<Predicted>(
        platform.url,
        `{ predict(model: "${MODEL}", features: { a: ${i}, b: 1 }) { id score modelVersion { version } } }`,
      );
    });
    await sleep(700);
    const stoppedAt = Date.now();
    await pg.stop();
    // The database is really gone: a new connection is refused.
    const probe = new Client({ connectionString: pg.url, connectionTimeoutMillis: 1000 });
    await expect(probe.connect()).rejects.toThrow();
    await sleep(2000);
    const restartedAt = Date.now();
    pg = await startEmbeddedPostgres({ home, port, logger });
    await sleep(700);
    await load.stop();

    const { samples } = load;
    const failures = samples.filter((s) => s.failure || s.body?.errors?.length || !s.body?.data);
    expect(failures.map((s) => s.failure ?? JSON.stringify(s.body?.errors))).toEqual([]);
    const during = samples.filter((s) => s.startedAt > stoppedAt && s.finishedAt < restartedAt);
    expect(during.length).toBeGreaterThan(10);
    for (const s of samples) expect((s.body!.data as Predicted).predict.modelVersion.version).toBe(1);
    const acknowledged = samples.map((s) => (s.body!.data as Predicted).predict.id);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);

    // The buffered rows reach the log once the writer's retry finds PostgreSQL again.
    const sql = new Client({ connectionString: pg.url });
    await sql.connect();
    try {
      const logged = async () =>
        (await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE id = ANY($1::uuid[])', [acknowledged])).rows[0]
          .n as number;
      await until('every acknowledged prediction in the log', async () => (await logged()) === acknowledged.length, 20000);
      const total = await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE model = $1', [MODEL]);
      // The warm-up prediction plus every acknowledged one: nothing lost, nothing doubled.
      expect(total.rows[0].n).toBe(acknowledged.length + 1);
      console.log(
        `${acknowledged.length} predictions acknowledged (${during.length} while PostgreSQL was down for ${restartedAt - stoppedAt} ms), ` +
          `${total.rows[0].n - 1} logged`,
      );
    } finally {
      await sql.end();
    }
    // No service crashed over it (the `all` supervisor logs every restart).
    expect(platform.output()).not.toMatch(/subgraph exited/);

    // Writes work again, and events flow again: an alias move reaches the prediction service.
    const v2 = logisticModel([-0.7, 1.2], -0.3);
    const created = await gql(platform.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
      i: { model: MODEL, onnxBase64: v2.base64 },
    });
    expect(created.errors).toBeUndefined();
    const movedAt = Date.now();
    const moved = await gql(platform.url, `mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 2) { alias } }`);
    expect(moved.errors).toBeUndefined();
    const served = await until(
      'predictions from version 2',
      async () => {
        const res = await gql<Predicted>(
          platform.url,
          `{ predict(model: "${MODEL}", features: { a: 1, b: 2 }) { score modelVersion { version } } }`,
        );
        return res.data?.predict.modelVersion.version === 2 && res.data.predict;
      },
      10000,
    );
    expect(served.score).toBeCloseTo(v2.probability([1, 2]), 12);
    console.log(`after the restart, an alias move was served ${Date.now() - movedAt} ms later`);
  });
});
