#!/usr/bin/env node
// Modelplane against the service it replaces, in one run on one machine, same model, same load:
//   (a) single-row `predict` through the gateway (the platform as `npm start` runs it)
//   (b) the same operation straight to the prediction subgraph (signed identity, no gateway)
//   (c) the seed-style service: FastAPI + pydantic + scikit-learn LogisticRegression in one
//       uvicorn process (peers/fastapi_predict.py), `POST /predict` with the 4 features
// The platform runs with its defaults (prediction log, monitoring, auth with an API key, demo
// model) except what it prints at the top (the per-key rate limit, until it is cost-based).
// scikit-learn gets the coefficients the Modelplane model's ONNX was built from, and both must
// answer the same probabilities on a few rows before anything is measured.
// Each path: a warm-up, then BENCH_SECONDS of autocannon (16 keep-alive connections); then p50 at
// one connection; rounds alternate the order of the paths and the median round (by req/s) is
// reported. CPU time per request of each process (gateway-hosting process, prediction, the
// other subgraphs, PostgreSQL, uvicorn, the load generator) comes from /proc/<pid>/stat deltas
// over each sustained run. Writes ops/bench/results/fastapi.json.
//
// Needs Debian's python3-fastapi, python3-uvicorn and python3-sklearn for /usr/bin/python3: when
// they are missing and this runs as root, it installs them with apt-get.
//
// Run: npm run bench:fastapi   env: BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (5), BENCH_ROUNDS (3),
//      BENCH_LIGHT_SECONDS (5, the one-connection run), BENCH_CONNECTIONS (16), BENCH_PYTHON
//      (/usr/bin/python3)
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { load } from './lib/load.mjs';
import { BENCH_GATEWAY_SECRET, authHeaders, freePort, gql, root, startPlatform } from './lib/platform.mjs';
import { renderFastapi } from './lib/fastapi-table.mjs';
import { cpuBoundRps, cpuMeter, platformProcesses, rssMb } from './lib/proc-cpu.mjs';

const require = createRequire(import.meta.url);
const { buildLogisticRegressionOnnx } = require(join(root, 'packages', 'ml', 'dist'));
const { IdentitySigner } = require(join(root, 'packages', 'core', 'dist', 'signed-identity.js'));

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const LIGHT_SECONDS = Number(process.env.BENCH_LIGHT_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const DEBIAN_PACKAGES = ['python3-fastapi', 'python3-uvicorn', 'python3-sklearn'];

// The model: binary logistic regression on 4 iris-style features.
const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const weights = [0.42, -1.37, 2.21, -0.96];
const intercept = -0.31;
const onnx = buildLogisticRegressionOnnx({ featureCount: names.length, weights, intercept, featureNames: names });
const row = { sepal_length: 5.9, sepal_width: 3.0, petal_length: 4.2, petal_width: 1.5 };
const checkRows = [
  row,
  { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  { sepal_length: 6.7, sepal_width: 3.1, petal_length: 5.6, petal_width: 2.4 },
  { sepal_length: 4.9, sepal_width: 2.4, petal_length: 3.3, petal_width: 1.0 },
  { sepal_length: 0, sepal_width: 0, petal_length: 0, petal_width: 0 },
];
const PREDICT = 'query Predict($f: JSONObject!) { predict(model: "iris", features: $f) { label score } }';
const predictBody = (f) => JSON.stringify({ query: PREDICT, variables: { f } });

function ensurePythonPeer() {
  const check = () => {
    try {
      execFileSync(PYTHON, ['-c', 'import fastapi, uvicorn, sklearn, pydantic'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (check()) return;
  if (process.getuid?.() !== 0)
    throw new Error(`${PYTHON} lacks fastapi/uvicorn/sklearn: as root, apt-get install ${DEBIAN_PACKAGES.join(' ')}`);
  process.stderr.write(`installing ${DEBIAN_PACKAGES.join(' ')} with apt-get…\n`);
  const apt = (args) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt(['install', '-y', ...DEBIAN_PACKAGES]);
  } catch {
    apt(['update']);
    apt(['install', '-y', ...DEBIAN_PACKAGES]);
  }
  if (!check()) throw new Error(`${PYTHON} still cannot import fastapi/uvicorn/sklearn after apt-get`);
}

async function startFastapi() {
  const port = await freePort();
  const child = spawn(PYTHON, [join(root, 'ops', 'bench', 'peers', 'fastapi_predict.py')], {
    env: { PATH: process.env.PATH, PORT: String(port), MODEL_JSON: JSON.stringify({ coef: weights, intercept }) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/predict`;
  const t0 = performance.now();
  for (;;) {
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(row) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`the FastAPI peer exited with ${child.exitCode}`);
    if (performance.now() - t0 > 60000) throw new Error('the FastAPI peer is not answering after 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const version = execFileSync(
    PYTHON,
    [
      '-c',
      'import fastapi, uvicorn, sklearn, pydantic; print(fastapi.__version__, uvicorn.__version__, sklearn.__version__, pydantic.VERSION)',
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split(' ');
  return {
    url,
    pid: child.pid,
    versions: { fastapi: version[0], uvicorn: version[1], sklearn: version[2], pydantic: version[3], python: PYTHON },
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

const loadBefore = loadavg();
ensurePythonPeer();
// Defaults, except what startPlatform must set (ports, home, credentials) and prints.
const platform = await startPlatform({ LOG_LEVEL: undefined });
let fastapi;
try {
  fastapi = await startFastapi();
  await gql(platform.gateway, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
    i: { name: 'iris', task: 'BINARY_CLASSIFICATION', features: names.map((name) => ({ name, type: 'NUMERIC' })) },
  });
  await gql(platform.gateway, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
    i: { model: 'iris', onnxBase64: Buffer.from(onnx).toString('base64') },
  });
  await gql(platform.gateway, 'mutation { setModelAlias(model: "iris", alias: "production", version: 1) { alias } }');

  const signer = new IdentitySigner(BENCH_GATEWAY_SECRET);
  const operator = { subject: 'bench:operator', roles: ['operator'] };
  const noErrors = (text) => !text.includes('"errors"');
  const paths = {
    gateway: {
      label: 'Modelplane through the gateway',
      request: { url: platform.gateway, body: predictBody(row), headers: authHeaders(), verify: noErrors },
    },
    direct: {
      label: 'prediction subgraph direct (no gateway)',
      request: {
        url: platform.subgraph(platform.ports.PREDICTION_PORT),
        body: predictBody(row),
        // A signed identity as the gateway sends it, re-signed every 10 s (valid for 60 s).
        headers: () => signer.headers(operator),
        verify: noErrors,
      },
    },
    fastapi: {
      label: 'FastAPI + scikit-learn (uvicorn)',
      request: { url: fastapi.url, body: JSON.stringify(row), verify: (text) => text.includes('"probability"') },
    },
  };

  // Same model, same answers: every row through the gateway, direct, and FastAPI.
  const expected = (r) => 1 / (1 + Math.exp(-(intercept + names.reduce((s, n, i) => s + weights[i] * r[n], 0))));
  const check = [];
  for (const r of checkRows) {
    const viaGateway = (await gql(platform.gateway, PREDICT, { f: r })).predict;
    const res = await fetch(paths.direct.request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signer.headers(operator) },
      body: predictBody(r),
    });
    const viaDirect = (await res.json()).data.predict;
    const viaFastapi = await (
      await fetch(fastapi.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) })
    ).json();
    const p = expected(r);
    const diff = Math.max(Math.abs(viaGateway.score - viaFastapi.probability), Math.abs(viaDirect.score - viaFastapi.probability));
    if (
      diff > 1e-9 ||
      Math.abs(p - viaFastapi.probability) > 1e-9 ||
      viaGateway.label !== String(viaFastapi.label) ||
      viaDirect.label !== viaGateway.label
    )
      throw new Error(
        `answers differ on ${JSON.stringify(r)}: gateway ${JSON.stringify(viaGateway)}, direct ${JSON.stringify(viaDirect)}, FastAPI ${JSON.stringify(viaFastapi)}, formula ${p}`,
      );
    check.push({ row: r, modelplane: viaGateway.score, fastapi: viaFastapi.probability, label: viaGateway.label });
  }
  process.stderr.write(`same answers: ${check.length} rows, max |Modelplane − scikit-learn| ≤ 1e-9\n`);

  const pids = platformProcesses(platform.pid, platform.home);
  const groups = {
    gateway: { pid: platform.pid },
    prediction: { pid: pids.prediction },
    monitoring: { pid: pids.monitoring },
    registry: { pid: pids.registry },
    experiments: { pid: pids.experiments },
    postgres: { pid: pids.postgres, tree: true },
    uvicorn: { pid: fastapi.pid },
    loadGenerator: { pid: process.pid },
  };
  const meter = cpuMeter(groups);
  const rss = () =>
    Object.fromEntries(
      Object.entries(groups)
        .filter(([n]) => n !== 'postgres')
        .map(([n, g]) => [n, rssMb(g.pid)]),
    );
  const rssIdle = rss();
  // Background work at idle (monitoring polls, log flushes, heartbeats): CPU ms per second.
  const idleBefore = meter.snapshot();
  await new Promise((r) => setTimeout(r, 5000));
  const idleCpuMsPerSecond = Object.fromEntries(Object.entries(meter.cpuMs(idleBefore, meter.snapshot())).map(([k, v]) => [k, v / 5]));
  // The processes that serve each path (the capacity estimate counts only these).
  const serving = { gateway: ['gateway', 'prediction', 'monitoring', 'registry', 'experiments', 'postgres'], fastapi: ['uvicorn'] };
  serving.direct = serving.gateway.filter((k) => k !== 'gateway');

  const runs = { gateway: [], direct: [], fastapi: [] };
  const light = { gateway: [], direct: [], fastapi: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['gateway', 'direct', 'fastapi'] : ['fastapi', 'direct', 'gateway'];
    for (const name of order) {
      const req = paths[name].request;
      if (WARMUP > 0) await load({ ...req, connections: CONNECTIONS, seconds: WARMUP });
      const before = meter.snapshot();
      const t0 = performance.now();
      const r = await load({ ...req, connections: CONNECTIONS, seconds: SECONDS });
      const wallMs = performance.now() - t0;
      const cpuMs = meter.cpuMs(before, meter.snapshot());
      const cpuUsPerRequest = Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, (v * 1000) / r.total]));
      cpuUsPerRequest.serving = serving[name].reduce((sum, k) => sum + cpuUsPerRequest[k], 0);
      runs[name].push({
        ...r,
        wallMs,
        cpuMs,
        cpuUsPerRequest,
        cpuBoundRps: cpuBoundRps(
          cpuUsPerRequest,
          serving[name],
          serving[name].filter((k) => k !== 'postgres'),
          cpus().length,
        ),
      });
      const one = await load({ ...req, connections: 1, seconds: LIGHT_SECONDS });
      light[name].push(one);
      process.stderr.write(
        `round ${round + 1} ${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50?.toFixed(2)} ms, p99 ${r.p99?.toFixed(2)} ms, errors ${r.errors}; ` +
          `one connection p50 ${one.p50?.toFixed(3)} ms; load average ${loadavg()[0].toFixed(1)}\n`,
      );
    }
  }
  const rssLoaded = rss();
  const medianRound = (xs) => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor((xs.length - 1) / 2)];
  const medianBy = (xs, k) => [...xs].sort((a, b) => a[k] - b[k])[Math.floor((xs.length - 1) / 2)][k];
  const results = Object.fromEntries(
    Object.keys(paths).map((name) => {
      const m = medianRound(runs[name]);
      return [
        name,
        {
          ...m,
          rounds: runs[name].map((r) => Math.round(r.rps)),
          oneConnection: { p50: medianBy(light[name], 'p50'), p99: medianBy(light[name], 'p99'), rps: medianBy(light[name], 'rps') },
        },
      ];
    }),
  );
  const ratios = {
    gatewayVsFastapi: results.gateway.rps / results.fastapi.rps,
    // Load-independent cross-check: the same ratio from CPU time per request of the serving processes.
    gatewayVsFastapiCpuBound: results.gateway.cpuBoundRps / results.fastapi.cpuBoundRps,
    gatewayVsDirect: results.gateway.rps / results.direct.rps,
    directVsFastapi: results.direct.rps / results.fastapi.rps,
  };
  const errors = Object.values(runs)
    .flat()
    .reduce((s, r) => s + r.errors, 0);
  const summary = {
    benchmark: 'fastapi',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: { before: loadBefore, after: loadavg() },
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    lightSeconds: LIGHT_SECONDS,
    connections: CONNECTIONS,
    rounds: ROUNDS,
    features: names.length,
    settingsDifferingFromDefaults: platform.differing,
    peer: { ...fastapi.versions, server: 'uvicorn.run(app), one worker, asyncio + h11, access log off; sync def endpoint (thread pool)' },
    check,
    results,
    ratios,
    targets: { gatewayVsFastapi: 1.5, gatewayVsDirect: 0.85, gatewayOneConnectionP50Ms: 0.5, gatewayP99Ms: 10 },
    rssMb: { idle: rssIdle, afterLoad: rssLoaded },
    idleCpuMsPerSecond,
    errors,
  };
  await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'ops', 'bench', 'results', 'fastapi.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(renderFastapi(summary));
} finally {
  await fastapi?.stop();
  await platform.stop();
}
