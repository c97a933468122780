#!/usr/bin/env node
// Rollback propagation: how long after an alias move (promote v2 with setModelAlias, then
// rollbackModel back to v1, alternately) is acknowledged until predictions show the new version,
// on two prediction replicas sharing one database (the platform's own and a second process) and
// through the gateway. Each path is polled by one client sending predictions back to back, so a
// path's figure is bounded below by its request latency.
//
// Per move and path: "seen after" = arrival of the first answer showing the new version − the
// move's acknowledgment (0 when such an answer arrived before the acknowledgment; it includes one
// prediction's latency); "stale" = predictions sent after the acknowledgment that still show the
// old version (read-your-writes broken); errors = failed predictions (there must be none). Writes ops/bench/results/rollback.json.
//
// Run: npm run bench:rollback    env: BENCH_ROLLBACK_MOVES (20)
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_GATEWAY_SECRET,
  authHeaders,
  freePort,
  gql,
  percentile,
  root,
  serverMain,
  signedHeaders,
  startPlatform,
} from './lib/platform.mjs';

const require = createRequire(import.meta.url);
const { buildLogisticRegressionOnnx } = require(join(root, 'packages', 'ml', 'dist'));
const MOVES = Number(process.env.BENCH_ROLLBACK_MOVES ?? 20);
const MODEL = 'rollback-bench';
const PREDICT = JSON.stringify({
  query: `query { predict(model: "${MODEL}", features: { a: 0.5, b: 1.5 }) { version } }`,
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadBefore = loadavg()[0];

const platform = await startPlatform({ BOOTSTRAP_DEMO_MODEL: 'false', PREDICTION_LOG_FLUSH_MS: '100' });
let replicaB;
try {
  // A second prediction replica on the same database, as Kubernetes would run it.
  const portB = await freePort();
  replicaB = spawn(process.execPath, [serverMain, 'prediction'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: platform.databaseUrl,
      PREDICTION_PORT: String(portB),
      REGISTRY_URL: platform.subgraph(platform.ports.REGISTRY_PORT),
      GATEWAY_SECRET: BENCH_GATEWAY_SECRET,
      LOG_LEVEL: 'warn',
    },
  });
  for (
    let i = 0;
    !(await fetch(`http://127.0.0.1:${portB}/health/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (i > 600 || replicaB.exitCode !== null) throw new Error('the second prediction replica did not start');
    await sleep(100);
  }

  const mutate = (q, v) => gql(platform.gateway, q, v);
  await mutate('mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
    i: { name: MODEL, task: 'BINARY_CLASSIFICATION', features: ['a', 'b'].map((name) => ({ name, type: 'NUMERIC' })) },
  });
  for (const w of [0.25, -0.25]) {
    const onnx = Buffer.from(buildLogisticRegressionOnnx({ featureCount: 2, weights: [w, w], intercept: 0 }));
    await mutate('mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
      i: { model: MODEL, onnxBase64: onnx.toString('base64') },
    });
  }
  await mutate(`mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 1) { alias } }`);

  const paths = {
    'prediction replica A (the platform’s)': {
      url: platform.subgraph(platform.ports.PREDICTION_PORT),
      headers: () => signedHeaders('operator'),
    },
    'prediction replica B (second process)': { url: `http://127.0.0.1:${portB}/graphql`, headers: () => signedHeaders('operator') },
    'through the gateway': { url: platform.gateway, headers: authHeaders },
  };
  // One poller per path: predictions back to back, each recorded with its send time.
  const samples = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  let polling = true;
  const pollers = Object.entries(paths).map(async ([name, path]) => {
    while (polling) {
      const sentAt = performance.now();
      try {
        const res = await fetch(path.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...path.headers() },
          body: PREDICT,
        });
        const body = await res.json();
        samples[name].push({
          sentAt,
          receivedAt: performance.now(),
          version: body.data?.predict?.version ?? null,
          error: body.errors?.[0]?.extensions?.code ?? null,
        });
      } catch (err) {
        samples[name].push({ sentAt, receivedAt: performance.now(), version: null, error: String(err) });
      }
    }
  });

  const moves = [];
  await sleep(300);
  for (let i = 0; i < MOVES; i++) {
    const to = i % 2 === 0 ? 2 : 1;
    const sentAt = performance.now();
    if (to === 2) await mutate(`mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 2) { alias } }`);
    else await mutate(`mutation { rollbackModel(model: "${MODEL}", reason: "bench") { toVersion { version } } }`);
    const ackAt = performance.now();
    // Until every path shows the new version (bounded), then a pause so moves do not overlap.
    const deadline = ackAt + 5000;
    while (performance.now() < deadline && !Object.values(samples).every((s) => s.some((x) => x.sentAt > ackAt && x.version === to))) {
      await sleep(5);
    }
    moves.push({ to, sentAt, ackAt, kind: to === 2 ? 'promote (setModelAlias)' : 'rollback (rollbackModel)' });
    await sleep(150);
  }
  polling = false;
  await Promise.all(pollers);

  const results = {};
  for (const [name, list] of Object.entries(samples)) {
    const propagation = [];
    let stale = 0;
    for (const [k, move] of moves.entries()) {
      const until = moves[k + 1]?.sentAt ?? Infinity;
      const window = list.filter((s) => s.sentAt >= move.sentAt && s.sentAt < until);
      const first = window.find((s) => s.version === move.to);
      propagation.push(first ? Math.max(0, first.receivedAt - move.ackAt) : Infinity);
      stale += window.filter((s) => s.sentAt > move.ackAt && s.version !== null && s.version !== move.to).length;
    }
    const round = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
    results[name] = {
      predictions: list.length,
      errors: list.filter((s) => s.error).length,
      stale,
      propagationMs: {
        p50: round(percentile(propagation, 50)),
        p95: round(percentile(propagation, 95)),
        max: round(Math.max(...propagation)),
      },
    };
  }

  const summary = {
    benchmark: 'rollback',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    moves: MOVES,
    results,
  };
  await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'ops', 'bench', 'results', 'rollback.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(
    `| path (${MOVES} alias moves, promote and rollback in turn) | acknowledged → first answer with the new version, p50 / p95 / max (ms) | stale after ack | errors | predictions |`,
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, r] of Object.entries(results)) {
    const p = r.propagationMs;
    console.log(`| ${name} | ${p.p50} / ${p.p95} / ${p.max} | ${r.stale} | ${r.errors} | ${r.predictions} |`);
  }
  const failed = Object.values(results).some((r) => r.errors > 0 || r.propagationMs.max === null);
  process.exitCode = failed ? 1 : 0;
} finally {
  if (replicaB && replicaB.exitCode === null) {
    const exited = new Promise((r) => replicaB.once('exit', r));
    replicaB.kill('SIGTERM');
    await exited;
  }
  await platform.stop();
}
