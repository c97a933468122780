#!/usr/bin/env node
// Gateway comparison, measured in one run on the same subgraphs (one platform) with the same
// operations, connections and duration:
//   (a) ours: the platform's gateway (Apollo Gateway planning + our subgraph data source + fast path)
//   (b) plain @apollo/gateway with default settings (lib/apollo-gateway-server.mjs)
//   (c) Hive Gateway (@graphql-hive/gateway-runtime, lib/hive-gateway-server.mjs)
//   (d) Hive Gateway with its Rust query planner (@graphql-hive/router-runtime's
//       unifiedGraphHandler; same server script, HIVE_QUERY_PLANNER=rust)
// Operations:
//   distinct  the headline: the cross-subgraph query of issue 7 (registry + prediction +
//             experiments + monitoring) with `model(name: $name)`, each request the next of
//             VARIED_MODELS models, so no two requests in flight are identical: what each gateway
//             costs per request for ordinary traffic;
//   same      the same selection, the same document every time: identical requests in flight at
//             once, which ours coalesces into one execution and ours and Hive share subgraph
//             fetches for (plain @apollo/gateway does neither): what that sharing is worth, not
//             a gateway's cost per request;
//   predict   single-subgraph `predict` (prediction only; ours forwards it on its fast path), each
//             request another of PREDICT_ROWS feature rows (identical queries in flight would be
//             shared by Hive Gateway's inbound deduplication).
// Each gateway gets a warm-up, then autocannon; rounds alternate the order of the gateways and the
// median round (by requests/s) is reported. Every response body is checked for GraphQL errors
// (counted as errors). CPU per request of the gateway's process and of the four subgraph
// processes and PostgreSQL (from /proc/<pid>/stat over each run) shows how much of the 2 cores
// the gateway itself takes, which bounds the ratios. Writes ops/bench/results/gateway.json.
//
// Run: npm run bench:gateway    env: BENCH_SECONDS (5), BENCH_CONNECTIONS (16), BENCH_ROUNDS (3),
//      BENCH_WARMUP_SECONDS (1)
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { rewrittenSupergraph, startGatewayChild } from './lib/gateways.mjs';
import { renderGateway } from './lib/gateway-table.mjs';
import { load as loadRun } from './lib/load.mjs';
import { gql, root, startPlatform } from './lib/platform.mjs';
import { cpuBoundRps, cpuMeter, platformProcesses } from './lib/proc-cpu.mjs';

const require = createRequire(import.meta.url);
const { buildLogisticRegressionOnnx } = require(join(root, 'packages', 'ml', 'dist'));
const { IdentitySigner } = require(join(root, 'packages', 'core', 'dist', 'signed-identity.js'));

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const VARIED_MODELS = 32;

const F = 8;
const names = Array.from({ length: F }, (_, i) => `f${i}`);
const onnx = (shift) =>
  Buffer.from(buildLogisticRegressionOnnx({ featureCount: F, weights: names.map((_, i) => ((i % 3) - 1) * 0.3 + shift), intercept: 0.1 }));

const SELECTION = 'name task trafficSplit { percent } latestRun { id } alertRules { id } productionVersion { version }';
const CROSS = `{ model(name: "bench") { ${SELECTION} } }`;
const VARIED = `query Model($name: String!) { model(name: $name) { ${SELECTION} } }`;
const PREDICT = 'query Predict($f: JSONObject!) { predict(model: "bench", features: $f) { id label score } }';
const PREDICT_ROWS = 64;
const predictBodies = Array.from({ length: PREDICT_ROWS }, (_, r) =>
  JSON.stringify({ query: PREDICT, variables: { f: Object.fromEntries(names.map((n, i) => [n, ((r * 7 + i) % 23) / 10])) } }),
);
const variedBodies = Array.from({ length: VARIED_MODELS }, (_, i) => JSON.stringify({ query: VARIED, variables: { name: `bench-${i}` } }));
const operations = {
  distinct: { label: `cross-subgraph, distinct requests (${VARIED_MODELS} models in turn)`, bodies: variedBodies },
  same: { label: 'cross-subgraph, same document (coalesced)', body: JSON.stringify({ query: CROSS }) },
  // Distinct rows: Hive Gateway shares one execution among identical queries in flight (its
  // inbound deduplication applies to `predict`, a query; ours never shares predict), so the same
  // row every time would measure that sharing, and serve several callers one logged prediction.
  predict: { label: `single-subgraph predict, ${PREDICT_ROWS} rows in turn`, bodies: predictBodies },
};
const OPS = Object.keys(operations);

const load = (url, operation, seconds, headers = {}) =>
  loadRun({
    url,
    ...(operation.bodies ? { bodies: operation.bodies } : { body: operation.body }),
    headers,
    connections: CONNECTIONS,
    seconds,
    // GraphQL errors travel in 200 responses: count them too.
    verify: (text) => !text.includes('"errors"'),
  });

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
  const hiveRust = await startGatewayChild('hive-gateway-server.mjs', { ...env, HIVE_QUERY_PLANNER: 'rust' });
  children.push(hiveRust);
  const gateways = { ours: platform.gateway, plain: plain.url, hive: hive.url, hiveRust: hiveRust.url };
  const NAMES = Object.keys(gateways);
  const processes = platformProcesses(platform.pid, platform.home);
  const gatewayPids = { ours: platform.pid, plain: plain.pid, hive: hive.pid, hiveRust: hiveRust.pid, direct: platform.pid };
  const meter = cpuMeter({
    ...Object.fromEntries(Object.entries(gatewayPids).map(([name, pid]) => [name, { pid }])),
    subgraphs: { pids: [processes.registry, processes.prediction, processes.experiments, processes.monitoring] },
    postgres: { pid: processes.postgres, tree: true },
    loadGenerator: { pid: process.pid },
  });

  // Same answers from all three, or the comparison means nothing.
  for (const body of [operations.same.body, variedBodies[VARIED_MODELS - 1]]) {
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
    const predicted = await post(url, predictBodies[0]);
    if (predicted.errors || typeof predicted.data?.predict?.score !== 'number')
      throw new Error(`${name} failed predict: ${JSON.stringify(predicted)}`);
  }

  const direct = platform.subgraph(platform.ports.PREDICTION_PORT);
  // Straight to the subgraph, with the signed identity a gateway would add (re-signed every 10 s).
  const signer = new IdentitySigner(GATEWAY_SECRET);
  const signed = () => signer.headers({ subject: 'anonymous', roles: ['admin'] });
  const rounds = Object.fromEntries(
    OPS.map((op) => [op, { ...Object.fromEntries(NAMES.map((n) => [n, []])), ...(op === 'predict' && { direct: [] }) }]),
  );
  // Background work at idle (monitoring polls, log flushes, heartbeats): CPU ms per second.
  const idleBefore = meter.snapshot();
  await new Promise((r) => setTimeout(r, 5000));
  const idleCpuMsPerSecond = Object.fromEntries(Object.entries(meter.cpuMs(idleBefore, meter.snapshot())).map(([k, v]) => [k, v / 5]));
  // One measured run, with the CPU each process used per request during it.
  const measured = async (name, url, operation, headers) => {
    const before = meter.snapshot();
    const r = await load(url, operation, SECONDS, headers);
    const ms = meter.cpuMs(before, meter.snapshot());
    const perRequest = (v) => (v * 1000) / r.total;
    const cpu = {
      gateway: name === 'direct' ? 0 : perRequest(ms[name]),
      subgraphs: perRequest(ms.subgraphs),
      postgres: perRequest(ms.postgres),
      loadGenerator: perRequest(ms.loadGenerator),
      machine: perRequest(ms.machine),
    };
    cpu.serving = cpu.gateway + cpu.subgraphs + cpu.postgres;
    // What the gateway, subgraphs and PostgreSQL alone could answer on all the cores.
    const bound = cpuBoundRps(cpu, ['gateway', 'subgraphs', 'postgres'], name === 'direct' ? [] : ['gateway'], cpus().length);
    return { ...r, cpuUsPerRequest: cpu, cpuBoundRps: bound, gatewayShare: cpu.gateway / cpu.serving };
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? NAMES : [...NAMES].reverse();
    for (const op of OPS) {
      for (const name of order) {
        if (WARMUP > 0) await load(gateways[name], operations[op], WARMUP);
        const r = await measured(name, gateways[name], operations[op]);
        rounds[op][name].push(r);
        process.stderr.write(
          `round ${round + 1} ${op} ${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50?.toFixed(2)} ms, p99 ${r.p99?.toFixed(2)} ms, errors ${r.errors}; ` +
            `CPU µs/request gateway ${Math.round(r.cpuUsPerRequest.gateway)}, subgraphs ${Math.round(r.cpuUsPerRequest.subgraphs)}, PostgreSQL ${Math.round(r.cpuUsPerRequest.postgres)}\n`,
        );
      }
    }
    if (WARMUP > 0) await load(direct, operations.predict, WARMUP, signed());
    rounds.predict.direct.push(await measured('direct', direct, operations.predict, signed));
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
    Object.entries(results).map(([op, r]) => [
      op,
      {
        oursVsPlain: r.ours.rps / r.plain.rps,
        oursVsHive: r.ours.rps / r.hive.rps,
        oursVsHiveRust: r.ours.rps / r.hiveRust.rps,
        // The same ratios from CPU per request (less sensitive to other work on the machine).
        cpuBound: {
          oursVsPlain: r.ours.cpuBoundRps / r.plain.cpuBoundRps,
          oursVsHive: r.ours.cpuBoundRps / r.hive.cpuBoundRps,
          oursVsHiveRust: r.ours.cpuBoundRps / r.hiveRust.cpuBoundRps,
        },
      },
    ]),
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
      ours: 'modelplane gateway (Apollo Gateway 2.14.4 query planning, own keep-alive subgraph data source sharing identical in-flight read-only fetches, identical in-flight requests coalesced, single-fetch fast path)',
      plain: '@apollo/gateway 2.14.4 + @apollo/server 5 startStandaloneServer, default settings',
      hive: `@graphql-hive/gateway-runtime ${require('@graphql-hive/gateway-runtime/package.json').version}, default settings, one process`,
      hiveRust: `@graphql-hive/gateway-runtime ${require('@graphql-hive/gateway-runtime/package.json').version} with @graphql-hive/router-runtime ${require('@graphql-hive/router-runtime/package.json').version} unifiedGraphHandler (Rust query planner), one process`,
    },
    settingsDifferingFromDefaults: platform.differing,
    idleCpuMsPerSecond,
    auth: 'our gateway with AUTH=off and RATE_LIMIT_PER_SECOND=0; all four sign the anonymous-admin identity onto subgraph requests (GATEWAY_SECRET)',
    queries: { distinct: `${VARIED} (name: bench-0 … bench-${VARIED_MODELS - 1} in turn)`, same: CROSS, predict: PREDICT },
    results,
    ratios,
    targets: { oursVsPlainDistinct: 1.5, oursVsHiveRustDistinct: 1 },
    errors,
  };
  await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'ops', 'bench', 'results', 'gateway.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(renderGateway(summary));
} finally {
  for (const c of children) await c.stop();
  await supergraph?.cleanup();
  await platform.stop();
}
