#!/usr/bin/env node
// Alert delivery benchmark against a running platform (npm start): how long from the evaluation
// that fires (or resolves) an alert to its arrival at a subscriber — through the gateway's
// subscription and straight from the monitoring subgraph's graphql-ws.
//
// A LATENCY rule is flipped between a tiny and a huge threshold; each evaluateAlertRules then
// fires or resolves its alert. Measured per event: alert timestamp (firedAt / resolvedAt, taken
// by the evaluator just before its transaction) → receipt, and evaluateAlertRules call → receipt.
// Run: node ops/bench/alert-delivery.mjs [events=40]   (MODELPLANE_URL, MONITORING_WS_URL)
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ml = require(join(root, 'packages', 'ml', 'dist', 'index.js'));
const URL_HTTP = process.env.MODELPLANE_URL ?? 'http://localhost:4000/graphql';
// The key `npm start` printed (or MODELPLANE_ADMIN_KEY); a direct subgraph websocket also needs
// GATEWAY_SECRET to sign an identity, as the gateway does.
const API_KEY = process.env.MODELPLANE_API_KEY ?? '';
const { signIdentity } = require(join(root, 'packages', 'core', 'dist', 'signed-identity.js'));
const directParams = () =>
  process.env.GATEWAY_SECRET ? { identity: signIdentity(process.env.GATEWAY_SECRET, { subject: 'bench:viewer', roles: ['viewer'] }) } : {};
const MONITORING_WS = process.env.MONITORING_WS_URL ?? 'ws://localhost:4004/graphql';
const EVENTS = Number(process.argv[2] ?? 40);
const MODEL = `bench-alerts-${Date.now().toString(36)}`;

async function gql(query, variables = {}) {
  const res = await fetch(URL_HTTP, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(API_KEY && { authorization: `Bearer ${API_KEY}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors?.length) throw new Error(body.errors[0].message);
  return body.data;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await gql(`mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }`, {
  i: { name: MODEL, task: 'BINARY_CLASSIFICATION', features: [{ name: 'x', type: 'NUMERIC' }], labels: ['no', 'yes'] },
});
const onnx = ml.buildLogisticRegressionOnnx({ featureCount: 1, weights: [1], intercept: 0 });
await gql(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }`, {
  i: { model: MODEL, onnxBase64: Buffer.from(onnx).toString('base64') },
});
await gql(`mutation($m: String!) { setModelAlias(model: $m, alias: "production", version: 1) { alias } }`, { m: MODEL });
for (let i = 0; i < 20; i++) await gql(`query($m: String!) { predict(model: $m, features: { x: ${i / 10} }) { id } }`, { m: MODEL });
const { createAlertRule } = await gql(`mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }`, {
  i: { model: MODEL, kind: 'LATENCY', threshold: 1e9 },
});
await sleep(2000); // the monitoring consumer reads the log about once a second

const arrivals = { gateway: [], monitoring: [] };
const subscribe = (url, path, fields) =>
  new Promise((resolve) => {
    const connectionParams = path === 'gateway' ? (API_KEY ? { authorization: `Bearer ${API_KEY}` } : {}) : directParams();
    const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
    let ok = true;
    client.subscribe(
      { query: `subscription($m: String!) { latencyAlerts(model: $m) { ${fields} } }`, variables: { m: MODEL } },
      {
        next: (msg) => {
          const a = msg.data?.latencyAlerts;
          if (a) arrivals[path].push({ at: Date.now(), perf: performance.now(), alert: a });
        },
        error: () => (ok = false),
        complete: () => undefined,
      },
    );
    setTimeout(() => resolve(ok ? client : (client.dispose(), null)), 1000);
  });
const fields = 'id status firedAt resolvedAt';
const viaGateway = await subscribe(URL_HTTP.replace(/^http/, 'ws'), 'gateway', `${fields} model { name productionVersion { version } }`);
const viaMonitoring = await subscribe(MONITORING_WS, 'monitoring', `${fields} model { name }`);

const calls = [];
for (let i = 0; i < EVENTS; i++) {
  const fire = i % 2 === 0;
  await gql(`mutation($id: ID!, $t: Float!) { updateAlertRule(id: $id, input: { threshold: $t }) { id } }`, {
    id: createAlertRule.id,
    t: fire ? 0.000001 : 1e9,
  });
  const t0 = performance.now();
  await gql(`mutation($m: String!) { evaluateAlertRules(model: $m) { id } }`, { m: MODEL });
  calls.push({ t0, returned: performance.now(), status: fire ? 'FIRING' : 'RESOLVED' });
  await sleep(150);
}
await sleep(500);
viaGateway?.dispose();
viaMonitoring?.dispose();

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10 : null;
};
const summarise = (path) => {
  const events = arrivals[path];
  const fromAlert = events.map((e) => e.at - Date.parse(e.alert.status === 'RESOLVED' ? e.alert.resolvedAt : e.alert.firedAt));
  // The i-th event answers the i-th evaluation call (each call changes the alert once).
  const fromCall = events.map((e, i) => e.perf - (calls[i]?.t0 ?? e.perf));
  return {
    received: events.length,
    expected: EVENTS,
    alertTimestampToReceiptMs: { p50: pct(fromAlert, 0.5), p95: pct(fromAlert, 0.95), max: pct(fromAlert, 1) },
    evaluateCallToReceiptMs: { p50: pct(fromCall, 0.5), p95: pct(fromCall, 0.95), max: pct(fromCall, 1) },
  };
};
const evaluateCallMs = calls.map((c) => c.returned - c.t0);
const result = {
  benchmark: 'alert-delivery',
  events: EVENTS,
  evaluateAlertRulesMs: { p50: pct(evaluateCallMs, 0.5), p95: pct(evaluateCallMs, 0.95) },
  gateway: viaGateway ? summarise('gateway') : 'no gateway subscription',
  monitoringSubgraph: viaMonitoring ? summarise('monitoring') : 'no monitoring websocket',
  at: new Date().toISOString(),
  node: process.version,
};
await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
await writeFile(join(root, 'ops', 'bench', 'results', 'alert-delivery.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exit(0);
