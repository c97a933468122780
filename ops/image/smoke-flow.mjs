#!/usr/bin/env node
// The HTTP half of the image smoke tests (ops/image/smoke.sh, ops/image/compose-smoke.sh): plain
// fetch against running containers, no repo build needed on the host.
//
//   node smoke-flow.mjs wait <url>…            until every URL answers 2xx (SMOKE_WAIT_S, default 120)
//   node smoke-flow.mjs flow <model.json>      the whole day-one/day-two flow through the gateway
//   node smoke-flow.mjs serve <model.json>     register the model, upload and promote a version, predict once
//
// Environment: GATEWAY_URL (http://127.0.0.1:4000/graphql), MODELPLANE_ADMIN_KEY, SMOKE_MODEL
// (default smoke-rain), SMOKE_RUN_WAIT_S (default 300). <model.json> is what `model-fixture.js`
// prints inside the image: { onnxBase64, features, labels, row }.
import { readFileSync } from 'node:fs';

const GATEWAY_URL = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const KEY = process.env.MODELPLANE_ADMIN_KEY ?? '';
const MODEL = process.env.SMOKE_MODEL ?? 'smoke-rain';
const RUN_WAIT_S = Number(process.env.SMOKE_RUN_WAIT_S ?? 300);
const WAIT_S = Number(process.env.SMOKE_WAIT_S ?? 120);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (msg) => console.log(`[smoke] ${msg}`);

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

async function gql(query, variables = {}) {
  const res = await fetch(GATEWAY_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status} from the gateway, not JSON: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new Error(`GraphQL error ${first.extensions?.code ?? ''}: ${first.message} (query: ${query.slice(0, 80)}…)`);
  }
  return body.data;
}

async function wait(urls) {
  const deadline = Date.now() + WAIT_S * 1000;
  for (const url of urls) {
    let last = '';
    for (;;) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
        if (res.ok) break;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = err.cause?.code ?? err.message;
      }
      if (Date.now() > deadline) throw new Error(`${url} not ready after ${WAIT_S} s (${last})`);
      await sleep(500);
    }
    say(`ready: ${url}`);
  }
}

const predictQuery = `query($m: String!, $f: JSONObject!) {
  predict(model: $m, features: $f) { id label score probabilities { label probability } modelVersion { version } }
}`;

async function predict(fixture) {
  const { predict: p } = await gql(predictQuery, { m: MODEL, f: fixture.row });
  check(fixture.labels.includes(p.label), `label ${p.label} is one of ${fixture.labels}`);
  check(p.score >= 0 && p.score <= 1, `score ${p.score} is a probability`);
  const total = p.probabilities.reduce((s, c) => s + c.probability, 0);
  check(Math.abs(total - 1) < 1e-4, `probabilities sum to 1 (${total})`);
  return p;
}

/** Registers the model (unless listed), uploads the ONNX as a new version, promotes it, predicts. */
async function serve(fixture) {
  const { models: before } = await gql('{ models { name } }');
  say(`models list: ${before.length} model(s)`);
  if (!before.some((m) => m.name === MODEL)) {
    await gql('mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
      i: {
        name: MODEL,
        task: 'BINARY_CLASSIFICATION',
        features: fixture.features.map((name) => ({ name, type: 'NUMERIC' })),
        labels: fixture.labels,
        description: 'image smoke test: rain tomorrow',
      },
    });
  }
  const { models: after } = await gql('{ models { name } }');
  check(
    after.some((m) => m.name === MODEL),
    `${MODEL} is listed after registerModel`,
  );
  say(`registered ${MODEL}`);

  const { createModelVersion: v1 } = await gql(
    'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version digest } }',
    { i: { model: MODEL, onnxBase64: fixture.onnxBase64, description: 'logistic regression trained inside the image' } },
  );
  await gql('mutation($m: String!, $v: Int!) { setModelAlias(model: $m, alias: "production", version: $v) { alias } }', {
    m: MODEL,
    v: v1.version,
  });
  say(`uploaded ONNX as v${v1.version} (sha256 ${v1.digest.slice(0, 12)}…) and promoted it`);

  const p1 = await predict(fixture);
  check(p1.modelVersion.version === v1.version, `prediction served by v${v1.version} (got v${p1.modelVersion.version})`);
  say(`predict through the gateway: ${p1.label} (score ${p1.score.toFixed(3)}) from v${p1.modelVersion.version}`);
  return v1;
}

/** serve(), then retrain on the built-in dataset (a worker trains), promote, roll back. */
async function flow(fixture) {
  const v1 = await serve(fixture);
  const { triggerRetraining: queued } = await gql(
    'mutation($m: String!, $p: JSONObject) { triggerRetraining(model: $m, reason: "image smoke test", params: $p) { id status } }',
    { m: MODEL, p: { dataset: 'seattle-weather', trainer: 'logistic-regression' } },
  );
  say(`retraining run ${queued.id} ${queued.status}`);
  const deadline = Date.now() + RUN_WAIT_S * 1000;
  let run;
  for (;;) {
    ({ run } = await gql('query($id: ID!) { run(id: $id) { status error producedVersion { version } } }', { id: queued.id }));
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) break;
    check(Date.now() < deadline, `run ${queued.id} finished within ${RUN_WAIT_S} s (still ${run.status})`);
    await sleep(1000);
  }
  check(run.status === 'SUCCEEDED', `run ${queued.id} succeeded (${run.status}: ${run.error ?? ''})`);
  check(run.producedVersion?.version > v1.version, `the run registered a new version (${JSON.stringify(run.producedVersion)})`);
  const v2 = run.producedVersion.version;
  say(`run SUCCEEDED: the worker trained and registered v${v2}`);

  // Whatever the promotion gate decided, put the retrained version in production, then roll back.
  await gql('mutation($m: String!, $v: Int!) { setModelAlias(model: $m, alias: "production", version: $v) { alias } }', {
    m: MODEL,
    v: v2,
  });
  const p2 = await predict(fixture);
  check(p2.modelVersion.version === v2, `prediction served by v${v2} after promotion (got v${p2.modelVersion.version})`);
  const { rollbackModel: rb } = await gql(
    'mutation($m: String!) { rollbackModel(model: $m, reason: "image smoke test") { fromVersion { version } toVersion { version } } }',
    { m: MODEL },
  );
  check(rb.fromVersion.version === v2 && rb.toVersion.version === v1.version, `rollback v${v2} → v${v1.version} (${JSON.stringify(rb)})`);
  const p3 = await predict(fixture);
  check(p3.modelVersion.version === v1.version, `prediction served by v${v1.version} after rollback (got v${p3.modelVersion.version})`);
  say(`rolled back v${v2} → v${v1.version}; predictions come from v${p3.modelVersion.version} again`);
}

async function main([command, ...args]) {
  if (command === 'wait') return wait(args);
  const fixture = JSON.parse(readFileSync(args[0], 'utf8'));
  if (command === 'flow') return flow(fixture);
  if (command === 'serve') return serve(fixture);
  throw new Error('usage: smoke-flow.mjs wait <url>… | flow <model.json> | serve <model.json>');
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    console.error(`[smoke] FAILED: ${err.message}`);
    process.exit(1);
  },
);
