#!/usr/bin/env node
// Prediction paths measured in one run, on one machine, against the same model:
//   (a) through the gateway, (b) straight to the prediction subgraph, (c) ONNX Runtime in-process.
// Single rows and 1000-row batches; throughput under load (autocannon, keep-alive) and p50/p99
// at light load (one request at a time). Also: does a 10 000-row batch stall single-row requests?
// Run: npm run bench:predict   (writes ops/bench/results/predict.json)
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { authHeaders, gql, median, percentile, root, signedHeaders, startPlatform } from './lib/platform.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { buildLogisticRegressionOnnx } = require(join(root, 'packages', 'ml', 'dist'));

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const F = 8;
const names = Array.from({ length: F }, (_, i) => `f${i}`);
const weights = names.map((_, i) => ((i % 3) - 1) * 0.3);
const onnx = buildLogisticRegressionOnnx({ featureCount: F, weights, intercept: 0.1 });
const row = Object.fromEntries(names.map((n, i) => [n, i / 10]));
const batch = Array.from({ length: 1000 }, (_, r) => Object.fromEntries(names.map((n, i) => [n, ((r + i) % 17) / 10])));
const bigBatch = Array.from({ length: 10000 }, (_, r) => Object.fromEntries(names.map((n, i) => [n, ((r * i) % 13) / 10])));

const PREDICT = 'query Predict($f: JSONObject!) { predict(model: "bench", features: $f) { id label score } }';
const BATCH = 'query PredictBatch($rows: [JSONObject!]!) { predictBatch(model: "bench", rows: $rows) { label score } }';

async function load(url, body, seconds = SECONDS, connections = CONNECTIONS) {
  const result = await autocannon({
    url,
    method: 'POST',
    // The gateway reads the key; a subgraph called directly reads the signed identity (fresh per run).
    headers: { 'content-type': 'application/json', ...authHeaders(), ...signedHeaders('operator') },
    body,
    connections,
    duration: seconds,
  });
  const errors = result.errors + result.non2xx + result.timeouts;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors, total: result.requests.total };
}

async function sequential(url, body, n = 400) {
  const times = [];
  for (let i = 0; i < n + 50; i++) {
    const t = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(), ...signedHeaders('operator') },
      body,
    });
    await res.arrayBuffer();
    if (i >= 50) times.push(performance.now() - t);
  }
  return { p50: median(times), p99: percentile(times, 99) };
}

async function rawOrt() {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const one = new Float64Array(names.map((_, i) => i / 10));
  const thousand = new Float64Array(1000 * F).map((_, k) => ((Math.floor(k / F) + (k % F)) % 17) / 10);
  const measure = async (data, rows) => {
    const times = [];
    const end = performance.now() + SECONDS * 1000;
    let calls = 0;
    while (performance.now() < end) {
      const t = performance.now();
      await session.run({ features: new ort.Tensor('float64', data, [rows, F]) }, ['probabilities']);
      times.push(performance.now() - t);
      calls++;
    }
    return { rps: calls / SECONDS, p50: median(times), p99: percentile(times, 99) };
  };
  const single = await measure(one, 1);
  const batched = await measure(thousand, 1000);
  await session.release();
  return { single, batched };
}

const platform = await startPlatform({ PREDICTION_LOG_BUFFER: '2000000' });
try {
  await gql(platform.gateway, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
    i: { name: 'bench', task: 'BINARY_CLASSIFICATION', features: names.map((name) => ({ name, type: 'NUMERIC' })) },
  });
  await gql(platform.gateway, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
    i: { model: 'bench', onnxBase64: Buffer.from(onnx).toString('base64') },
  });
  await gql(platform.gateway, 'mutation { setModelAlias(model: "bench", alias: "production", version: 1) { alias } }');
  const direct = platform.subgraph(platform.ports.PREDICTION_PORT);
  const single = JSON.stringify({ query: PREDICT, variables: { f: row } });
  const thousand = JSON.stringify({ query: BATCH, variables: { rows: batch } });
  // Warm up: sessions, JIT, connection pools.
  await load(platform.gateway, single, 2);
  await load(direct, single, 1);

  const results = {};
  results.gatewaySingle = await load(platform.gateway, single);
  results.directSingle = await load(direct, single);
  results.gatewaySingleLight = await sequential(platform.gateway, single);
  results.directSingleLight = await sequential(direct, single);
  results.gatewayBatch = await load(platform.gateway, thousand, SECONDS, 4);
  results.directBatch = await load(direct, thousand, SECONDS, 4);
  results.raw = await rawOrt();

  // Stall check: light single-row traffic alone, then while 10 000-row batches run back to back.
  const bigBody = JSON.stringify({ query: BATCH, variables: { rows: bigBatch } });
  const quiet = await sequential(direct, single, 300);
  let stop = false;
  const hammer = (async () => {
    let n = 0;
    while (!stop) {
      await fetch(direct, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders('operator') },
        body: bigBody,
      }).then((r) => r.arrayBuffer());
      n++;
    }
    return n;
  })();
  const busy = await sequential(direct, single, 300);
  stop = true;
  const bigBatches = await hammer;
  results.stall = { quietP50: quiet.p50, quietP99: quiet.p99, busyP50: busy.p50, busyP99: busy.p99, bigBatches };

  const errors = Object.values(results).reduce((s, r) => s + (r.errors ?? 0), 0);
  const summary = {
    benchmark: 'predict',
    at: new Date().toISOString(),
    node: process.version,
    seconds: SECONDS,
    connections: CONNECTIONS,
    features: F,
    results,
    ratios: {
      gatewayVsDirectSingle: results.gatewaySingle.rps / results.directSingle.rps,
      gatewayVsDirectBatchRows: results.gatewayBatch.rps / results.directBatch.rps,
      directVsRawSingle: results.directSingle.rps / results.raw.single.rps,
    },
    errors,
  };
  await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'ops', 'bench', 'results', 'predict.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const f = (x, d = 0) => Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const r = results;
  console.log(
    `| path (${F} features, ${CONNECTIONS} connections, ${SECONDS} s each) | single rows/s | p50 / p99 under load | p50 / p99 one at a time | 1000-row batch rows/s |`,
  );
  console.log('| --- | --- | --- | --- | --- |');
  console.log(
    `| (a) gateway | ${f(r.gatewaySingle.rps)} | ${r.gatewaySingle.p50} / ${r.gatewaySingle.p99} ms | ${f(r.gatewaySingleLight.p50, 2)} / ${f(r.gatewaySingleLight.p99, 2)} ms | ${f(r.gatewayBatch.rps * 1000)} |`,
  );
  console.log(
    `| (b) prediction subgraph direct | ${f(r.directSingle.rps)} | ${r.directSingle.p50} / ${r.directSingle.p99} ms | ${f(r.directSingleLight.p50, 2)} / ${f(r.directSingleLight.p99, 2)} ms | ${f(r.directBatch.rps * 1000)} |`,
  );
  console.log(
    `| (c) ONNX Runtime in-process | ${f(r.raw.single.rps)} | | ${f(r.raw.single.p50, 3)} / ${f(r.raw.single.p99, 3)} ms | ${f(r.raw.batched.rps * 1000)} |`,
  );
  console.log('');
  console.log(
    `Ratios in this run: gateway/direct single ${f(summary.ratios.gatewayVsDirectSingle * 100)} %, gateway/direct batch ${f(summary.ratios.gatewayVsDirectBatchRows * 100)} %, direct/raw single ${f(summary.ratios.directVsRawSingle * 100, 1)} %. Errors: ${errors}.`,
  );
  console.log(
    `Stall check (direct, one request at a time): p50/p99 ${f(results.stall.quietP50, 2)}/${f(results.stall.quietP99, 2)} ms alone, ${f(results.stall.busyP50, 2)}/${f(results.stall.busyP99, 2)} ms while ${results.stall.bigBatches} 10 000-row batches ran.`,
  );
} finally {
  await platform.stop();
}
