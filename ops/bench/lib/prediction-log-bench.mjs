// How fast the prediction log reaches PostgreSQL (run by ops/bench/index.mjs against the platform
// it starts anyway): 1 000-row predictBatch calls through the gateway, CONCURRENCY at a time, for
// a fixed number of rows; then how long until every acknowledged row is in
// prediction.prediction_log. The drain rate bounds how much traffic one PostgreSQL can log (see
// docs/scaling.md). Writes ops/bench/results/prediction-log.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { authHeaders, gql, root } from './platform.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { buildLogisticRegressionOnnx } = require(join(root, 'packages', 'ml', 'dist'));

const F = 8;
const CONCURRENCY = 4;
const BATCH = 1000;

export async function measurePredictionLog(platform, totalRows = Number(process.env.BENCH_LOG_ROWS ?? 200000)) {
  const names = Array.from({ length: F }, (_, i) => `f${i}`);
  const model = 'bench-log';
  await gql(platform.gateway, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
    i: { name: model, task: 'BINARY_CLASSIFICATION', features: names.map((name) => ({ name, type: 'NUMERIC' })) },
  });
  const onnx = buildLogisticRegressionOnnx({ featureCount: F, weights: names.map((_, i) => (i - 3) / 10), intercept: 0 });
  await gql(platform.gateway, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
    i: { model, onnxBase64: Buffer.from(onnx).toString('base64') },
  });
  await gql(platform.gateway, `mutation { setModelAlias(model: "${model}", alias: "production", version: 1) { alias } }`);
  const rows = Array.from({ length: BATCH }, (_, r) => Object.fromEntries(names.map((n, i) => [n, ((r * 7 + i) % 23) / 10])));
  const body = JSON.stringify({
    query: `query($rows: [JSONObject!]!) { predictBatch(model: "${model}", rows: $rows) { id } }`,
    variables: { rows },
  });
  const batches = Math.ceil(totalRows / BATCH);
  const sql = new Client({ connectionString: platform.databaseUrl });
  await sql.connect();
  try {
    let sent = 0;
    let acknowledged = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < batches) {
          sent++;
          const res = await fetch(platform.gateway, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...authHeaders() },
            body,
          });
          const answer = await res.json();
          if (answer.errors) throw new Error(`predictBatch failed: ${JSON.stringify(answer.errors)}`);
          acknowledged += answer.data.predictBatch.length;
        }
      }),
    );
    const servedMs = performance.now() - t0;
    const count = async () =>
      (await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE model = $1', [model])).rows[0].n;
    let logged = await count();
    const loggedAtAck = logged;
    const deadline = performance.now() + 120000;
    while (logged < acknowledged && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      logged = await count();
    }
    const drainedMs = performance.now() - t0;
    const size = (await sql.query(`SELECT pg_total_relation_size('prediction.prediction_log')::bigint AS b`)).rows[0].b;
    const total = (await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log')).rows[0].n;
    const result = {
      benchmark: 'prediction-log',
      at: new Date().toISOString(),
      node: process.version,
      batchRows: BATCH,
      concurrency: CONCURRENCY,
      acknowledgedRows: acknowledged,
      loggedRows: logged,
      servedRowsPerSecond: Math.round(acknowledged / (servedMs / 1000)),
      loggedWhenLastAcknowledged: loggedAtAck,
      allLoggedAfterMs: Math.round(drainedMs),
      loggedRowsPerSecond: Math.round(logged / (drainedMs / 1000)),
      bytesPerLoggedRow: Math.round(Number(size) / Math.max(1, total)),
    };
    await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
    await writeFile(join(root, 'ops', 'bench', 'results', 'prediction-log.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('| prediction log (1 000-row predictBatch through the gateway, 4 at a time) | figure |');
    console.log('| --- | --- |');
    console.log(
      `| rows served and acknowledged | ${acknowledged.toLocaleString('en-US')} at ${result.servedRowsPerSecond.toLocaleString('en-US')} rows/s |`,
    );
    console.log(
      `| all of them in prediction.prediction_log after | ${(drainedMs / 1000).toFixed(1)} s (${result.loggedRowsPerSecond.toLocaleString('en-US')} rows/s end to end) |`,
    );
    console.log(`| PostgreSQL size per logged row (8 numeric features, with indexes) | ${result.bytesPerLoggedRow} bytes |`);
    if (logged < acknowledged) throw new Error(`only ${logged} of ${acknowledged} acknowledged rows were logged within 120 s`);
    return result;
  } finally {
    await sql.end();
  }
}
