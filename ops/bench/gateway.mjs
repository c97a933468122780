#!/usr/bin/env node
// Gateway comparison, measured in one run on the same subgraphs (one platform) with the same
// operations, connections and duration:
//   (a) ours: the platform's gateway (Apollo Gateway planning + our subgraph data source + fast path)
//   (b) plain @apollo/gateway with default settings (lib/apollo-gateway-server.mjs)
//   (c) Hive Gateway (@graphql-hive/gateway-runtime, lib/hive-gateway-server.mjs)
// Operations:
//   cross   the cross-subgraph query of issue 7 (registry + prediction + experiments + monitoring),
//           the same document every time;
//   varied  the same selection with `model(name: $name)` cycling over VARIED_MODELS models, so no
//           two requests in flight are identical (ours and Hive Gateway share identical in-flight
//           subgraph requests; this shows each gateway's cost without that);
//   predict single-subgraph `predict` (prediction only; ours forwards it on its fast path).
// Each gateway gets a warm-up, then autocannon; rounds alternate the order of the gateways and the
// median round (by requests/s) is reported. Every response body is checked for GraphQL errors
// (counted as errors). Writes ops/bench/results/gateway.json.
//
// Run: npm run bench:gateway    env: BENCH_SECONDS (5), BENCH_CONNECTIONS (16), BENCH_ROUNDS (3),
//      BENCH_WARMUP_SECONDS (1)
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { rewrittenSupergraph, startGatewayChild } from './lib/gateways.mjs';
import { gql, root, startPlatform } from './lib/platform.mjs';

const require = createRequire(import.meta.url);
const { buildLogisticRegressionOnnx } = require(join(root, 'packages', 'ml', 'dist'));
const { signIdentity, IDENTITY_HEADER } = require(join(root, 'packages', 'core', 'dist', 'signed-identity.js'));

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const VARIED_MODELS = 32;

const F = 8;
const names = Array.from({ length: F }, (_, i) => `f${i}`);
const onnx = (shift) =>
  Buffer.from(buildLogisticRegressionOnnx({ featureCount: F, weights: names.map((_, i) => ((i % 3) - 1) * 0.3 + shift), intercept: 0.1 }));
const row = Object.fromEntries(names.map((n, i) => [n, i / 10]));

const SELECTION = 'name task trafficSplit { percent } latestRun { id } alertRules { id } productionVersion { version }';
const CROSS = `{ model(name: "bench") { ${SELECTION} } }`;
const VARIED = `query Model($name: String!) { model(name: $name) { ${SELECTION} } }`;
const PREDICT = 'query Predict($f: JSONObject!) { predict(model: "bench", features: $f) { id label score } }';
const variedBodies = Array.from({ length: VARIED_MODELS }, (_, i) => JSON.stringify({ query: VARIED, variables: { name: `bench-${i}` } }));
const operations = {
  cross: { label: 'cross-subgraph, same document', body: JSON.stringify({ query: CROSS }) },
  varied: { label: `cross-subgraph, ${VARIED_MODELS} models in turn`, bodies: variedBodies },
  predict: { label: 'single-subgraph predict', body: JSON.stringify({ query: PREDICT, variables: { f: row } }) },
};
const OPS = Object.keys(operations);

async function load(url, operation, seconds, headers = {}) {
  let next = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    connections: CONNECTIONS,
    duration: seconds,
    ...(operation.bodies
      ? { requests: [{ setupRequest: (req) => ({ ...req, body: operation.bodies[next++ % operation.bodies.length] }) }] }
      : { body: operation.body }),
    // GraphQL errors travel in 200 responses: count them too.
    verifyBody: (text) => !text.includes('"errors"'),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.non2xx + result.timeouts + result.mismatches,
  };
}

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return res.json();
}

// Credentials: our gateway runs with AUTH=off (every client is the anonymous admin, no API key
// lookups) and no rate limit; like ours, the plain and Hive gateways sign that identity onto each
// subgraph request with the platform's GATEWAY_SECRET (subgraphs refuse unsigned requests).
const GATEWAY_SECRET = randomBytes(32).toString('base64url');
const loadBefore = loadavg()[0];
const platform = await startPlatform({
  PREDICTION_LOG_BUFFER: '2000000',
  BOOTSTRAP_DEMO_MODEL: 'false',
  AUTH: 'off',
  RATE_LIMIT_PER_SECOND: '0',
  GATEWAY_SECRET,
});
const children = [];
let supergraph;
try {
  const mutate = (q, v) => gql(platform.gateway, q, v);
  const setUp = async (model) => {
    await mutate('mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
      i: { name: model, task: 'BINARY_CLASSIFICATION', features: names.map((name) => ({ name, type: 'NUMERIC' })) },
    });
    for (const shift of [0, 0.05])
      await mutate('mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
        i: { model, onnxBase64: onnx(shift).toString('base64') },
      });
    await mutate('mutation($m: String!) { setModelAlias(model: $m, alias: "production", version: 1) { alias } }', { m: model });
    await mutate('mutation($m: String!) { setTrafficSplit(model: $m, canaryVersion: 2, percent: 10) { percent } }', { m: model });
    await mutate('mutation($m: String!) { createAlertRule(input: { model: $m, kind: LATENCY, threshold: 1000 }) { id } }', { m: model });
    await mutate('mutation($m: String!) { startRun(input: { model: $m, reason: "bench" }) { id } }', { m: model });
  };
  await setUp('bench');
  for (let i = 0; i < VARIED_MODELS; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => setUp(`bench-${i + k}`)));

  const urls = Object.fromEntries(
    [
      ['registry', 'REGISTRY_PORT'],
      ['prediction', 'PREDICTION_PORT'],
      ['experiments', 'EXPERIMENTS_PORT'],
      ['monitoring', 'MONITORING_PORT'],
    ].map(([name, port]) => [name, platform.subgraph(platform.ports[port])]),
  );
  supergraph = await rewrittenSupergraph(urls);
  const env = { SUPERGRAPH_PATH: supergraph.path, SUBGRAPH_URLS: JSON.stringify(urls), GATEWAY_SECRET };
  const plain = await startGatewayChild('apollo-gateway-server.mjs', env);
  children.push(plain);
  const hive = await startGatewayChild('hive-gateway-server.mjs', env);
  children.push(hive);
  const gateways = { ours: platform.gateway, plain: plain.url, hive: hive.url };

  // Same answers from all three, or the comparison means nothing.
  for (const body of [operations.cross.body, variedBodies[VARIED_MODELS - 1]]) {
    const reference = await post(gateways.ours, body);
    if (reference.errors || !reference.data?.model?.latestRun || !reference.data.model.alertRules.length)
      throw new Error(`unexpected answer from our gateway: ${JSON.stringify(reference)}`);
    for (const [name, url] of Object.entries(gateways)) {
      const answer = await post(url, body);
      if (JSON.stringify(answer) !== JSON.stringify(reference))
        throw new Error(`${name} answers differently: ${JSON.stringify(answer)} vs ${JSON.stringify(reference)}`);
    }
  }
  for (const [name, url] of Object.entries(gateways)) {
    const predicted = await post(url, operations.predict.body);
    if (predicted.errors || typeof predicted.data?.predict?.score !== 'number')
      throw new Error(`${name} failed predict: ${JSON.stringify(predicted)}`);
  }

  const direct = platform.subgraph(platform.ports.PREDICTION_PORT);
  // Straight to the subgraph, with the signed identity a gateway would add (valid for 60 s).
  const signed = () => ({ [IDENTITY_HEADER]: signIdentity(GATEWAY_SECRET, { subject: 'anonymous', roles: ['admin'] }) });
  const rounds = Object.fromEntries(OPS.map((op) => [op, { ours: [], plain: [], hive: [], ...(op === 'predict' && { direct: [] }) }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['ours', 'plain', 'hive'] : ['hive', 'plain', 'ours'];
    for (const op of OPS) {
      for (const name of order) {
        if (WARMUP > 0) await load(gateways[name], operations[op], WARMUP);
        const r = await load(gateways[name], operations[op], SECONDS);
        rounds[op][name].push(r);
        process.stderr.write(
          `round ${round + 1} ${op} ${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}\n`,
        );
      }
    }
    if (WARMUP > 0) await load(direct, operations.predict, WARMUP, signed());
    rounds.predict.direct.push(await load(direct, operations.predict, SECONDS, signed()));
  }
  const medianRound = (runs) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)];
  const results = Object.fromEntries(
    Object.entries(rounds).map(([op, byGateway]) => [
      op,
      Object.fromEntries(
        Object.entries(byGateway).map(([name, runs]) => [name, { ...medianRound(runs), rounds: runs.map((r) => Math.round(r.rps)) }]),
      ),
    ]),
  );
  const ratios = Object.fromEntries(
    Object.entries(results).map(([op, r]) => [op, { oursVsPlain: r.ours.rps / r.plain.rps, oursVsHive: r.ours.rps / r.hive.rps }]),
  );
  const errors = Object.values(rounds)
    .flatMap((byGateway) => Object.values(byGateway).flat())
    .reduce((s, r) => s + r.errors, 0);
  const summary = {
    benchmark: 'gateway',
    at: new Date().toISOString(),
    node: process.version,
    nodeEnv: process.env.NODE_ENV ?? null,
    cpus: cpus().length,
    // Other work on the machine skews every figure: the 1-minute load average before and after.
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    seconds: SECONDS,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    gateways: {
      ours: 'modelplane gateway (Apollo Gateway 2.14.4 query planning, own keep-alive subgraph data source sharing identical in-flight read-only fetches, single-fetch fast path)',
      plain: '@apollo/gateway 2.14.4 + @apollo/server 5 startStandaloneServer, default settings',
      hive: `@graphql-hive/gateway-runtime ${require('@graphql-hive/gateway-runtime/package.json').version}, default settings, one process`,
    },
    auth: 'our gateway with AUTH=off and RATE_LIMIT_PER_SECOND=0; all three sign the anonymous-admin identity onto subgraph requests (GATEWAY_SECRET)',
    queries: { cross: CROSS, varied: `${VARIED} (name: bench-0 … bench-${VARIED_MODELS - 1} in turn)`, predict: PREDICT },
    results,
    ratios,
    targets: { oursVsPlainCross: 1.5, oursVsHiveCross: 1 },
    errors,
  };
  await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'ops', 'bench', 'results', 'gateway.json'), `${JSON.stringify(summary, null, 2)}\n`);

  const f = (x, d = 0) => Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const ms = (x) => `${f(x, x < 10 ? 1 : 0)}`;
  console.log(`| gateway (${CONNECTIONS} connections, ${SECONDS} s, median of ${ROUNDS}) | operation | req/s | p50 / p99 ms | errors |`);
  console.log('| --- | --- | --- | --- | --- |');
  const label = {
    ours: '(a) ours',
    plain: '(b) plain @apollo/gateway',
    hive: '(c) Hive Gateway',
    direct: 'prediction subgraph direct (no gateway)',
  };
  for (const op of OPS)
    for (const [name, r] of Object.entries(results[op]))
      console.log(`| ${label[name]} | ${operations[op].label} | ${f(r.rps)} | ${ms(r.p50)} / ${ms(r.p99)} | ${r.errors} |`);
  console.log('');
  console.log(
    `Ours/plain: cross ${f(ratios.cross.oursVsPlain, 2)}× (target ≥ 1.5×), varied ${f(ratios.varied.oursVsPlain, 2)}×, predict ${f(ratios.predict.oursVsPlain, 2)}×. ` +
      `Ours/Hive: cross ${f(ratios.cross.oursVsHive, 2)}× (target ≥ 1×), varied ${f(ratios.varied.oursVsHive, 2)}×, predict ${f(ratios.predict.oursVsHive, 2)}×. Errors: ${errors}.`,
  );
} finally {
  for (const c of children) await c.stop();
  await supergraph?.cleanup();
  await platform.stop();
}
