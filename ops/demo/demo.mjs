#!/usr/bin/env node
// Modelplane monitoring demo: replays the weather of Seattle 2015, then of New York 2015, through
// the gateway as predictions with feedback, while a subscription prints alerts as they arrive.
// The model was trained on Seattle 2012–2014, so drift fires on the New York part; with a retrain
// policy the experiments subgraph starts a DRIFT run and the demo follows it.
//
//   npm start                      # in another terminal
//   node ops/demo/demo.mjs         # MODELPLANE_URL (default http://localhost:4000/graphql), MODELPLANE_API_KEY
//                                  # (an admin key: the one `npm start` printed on first start), DEMO_MODEL,
//                                  # DEMO_PACE_MS (pause per day, default 0), DEMO_RETRAIN_WAIT_S (default 60)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let ml;
try {
  ml = require(join(root, 'packages', 'ml', 'dist', 'index.js'));
} catch {
  console.error('packages/ml/dist is missing: run `npm run build` (npm start does it) first.');
  process.exit(1);
}

const URL_HTTP = process.env.MODELPLANE_URL ?? 'http://localhost:4000/graphql';
const MODEL = process.env.DEMO_MODEL ?? 'rain-tomorrow';
const PACE_MS = Number(process.env.DEMO_PACE_MS ?? 0);
const RETRAIN_WAIT_S = Number(process.env.DEMO_RETRAIN_WAIT_S ?? 60);
const MONITORING_WS = process.env.MONITORING_WS_URL ?? 'ws://localhost:4004/graphql';
// The gateway wants a key (Authorization: Bearer …; connectionParams for subscriptions).
const API_KEY = process.env.MODELPLANE_API_KEY ?? '';
const AUTH = API_KEY ? { authorization: `Bearer ${API_KEY}` } : {};
const EVALUATE_EVERY = 40;
const LABELS = ['dry', 'rain'];
const tty = process.stdout.isTTY;
const c = (code) => (s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : String(s));
const bold = c(1);
const dim = c(2);
const red = c(31);
const green = c(32);
const yellow = c(33);
const cyan = c(36);

// ---------------------------------------------------------------- GraphQL over HTTP
async function gql(query, variables = {}) {
  const res = await fetch(URL_HTTP, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(60000),
  });
  const body = await res.json();
  if (body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') {
    console.error('The gateway wants an API key: set MODELPLANE_API_KEY (npm start printed an admin key on its first start).');
    process.exit(1);
  }
  if (body.errors?.length) {
    const e = new Error(body.errors.map((x) => `${x.message} (${x.extensions?.code ?? '?'})`).join('; '));
    e.code = body.errors[0].extensions?.code;
    throw e;
  }
  return body.data;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- output: a progress bar with lines printed above it
let bar = '';
function drawBar(line) {
  bar = line;
  if (tty) process.stdout.write(`\r\x1b[2K${line}`);
}
function say(line) {
  if (tty) process.stdout.write(`\r\x1b[2K${line}\n${bar}`);
  else console.log(line);
}
function progress(done, total, phase, stats) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  drawBar(
    `${cyan('[' + '#'.repeat(filled) + '-'.repeat(width - filled) + ']')} ${String(done).padStart(3)}/${total} ${phase.padEnd(14)} ${dim(stats)}`,
  );
}

// ---------------------------------------------------------------- alerts as they arrive
const ALERT_FIELDS = 'id kind severity status message firedAt';
function printAlert(a, via) {
  const colour = a.status === 'FIRING' ? red : a.status === 'RESOLVED' ? green : yellow;
  const version = a.model?.productionVersion ? ` (production v${a.model.productionVersion.version})` : '';
  say(
    `${colour(bold(`● ${a.status.padEnd(12)}`))} ${bold(a.kind)} ${a.severity} on ${a.model?.name ?? MODEL}${version} ${dim(`via ${via}`)}\n    ${a.message}`,
  );
}

/** Subscribes through the gateway, else straight to the monitoring subgraph, else polls. */
async function watchAlerts() {
  const attempt = (url, query, via) =>
    new Promise((resolve) => {
      const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: AUTH });
      let settled = false;
      const done = (ok) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok) client.dispose();
        resolve(ok ? { client, via } : null);
      };
      // A working subscription says nothing until an alert fires: no error for a second means it is up.
      const timer = setTimeout(() => done(true), 1000);
      client.on('closed', () => done(false));
      client.subscribe(
        { query, variables: { model: MODEL } },
        {
          next: (msg) => (msg.data?.alerts ? printAlert(msg.data.alerts, via) : undefined),
          error: () => done(false),
          complete: () => undefined,
        },
      );
    });
  const gatewayWs = URL_HTTP.replace(/^http/, 'ws');
  const viaGateway = await attempt(
    gatewayWs,
    `subscription Alerts($model: String) { alerts(model: $model) { ${ALERT_FIELDS} model { name productionVersion { version } } } }`,
    'gateway subscription',
  );
  if (viaGateway) return { stop: () => viaGateway.client.dispose(), via: viaGateway.via };
  const direct = await attempt(
    MONITORING_WS,
    `subscription Alerts($model: String) { alerts(model: $model) { ${ALERT_FIELDS} model { name } } }`,
    'monitoring subgraph subscription',
  );
  if (direct) return { stop: () => direct.client.dispose(), via: direct.via };
  // Neither websocket answered: poll the alert history through the gateway instead.
  const seen = new Map();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const { alerts } = await gql(`query($m: String) { alerts(model: $m, first: 20) { ${ALERT_FIELDS} } }`, { m: MODEL });
        for (const a of [...alerts].reverse()) {
          if (seen.get(a.id) !== a.status) {
            seen.set(a.id, a.status);
            printAlert({ ...a, model: { name: MODEL } }, 'polling');
          }
        }
      } catch {
        // keep polling
      }
      await sleep(1000);
    }
  };
  const loop = poll();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    via: 'polling (no websocket subscription available)',
  };
}

// ---------------------------------------------------------------- the model
async function ensureModel() {
  const { model } = await gql(`query($n: String!) { model(name: $n) { name } }`, { n: MODEL });
  if (!model) {
    await gql(`mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }`, {
      i: {
        name: MODEL,
        task: 'BINARY_CLASSIFICATION',
        features: ml.RAIN_TOMORROW_FEATURE_NAMES.map((name) => ({ name, type: 'NUMERIC' })),
        labels: LABELS,
        description: 'Rain tomorrow from today’s weather (demo)',
      },
    });
    say(`registered model ${bold(MODEL)}`);
  }
  const { train } = ml.loadRainTomorrowSplit('Seattle');
  const { X, y } = ml.toMatrix(train.rows);
  const trained = new ml.LogisticRegression().fit(X, y);
  const onnx = ml.toOnnx(trained, { featureNames: ml.RAIN_TOMORROW_FEATURE_NAMES });
  const { createModelVersion } = await gql(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version digest } }`, {
    i: { model: MODEL, onnxBase64: Buffer.from(onnx).toString('base64'), description: 'logistic regression on Seattle 2012–2014 (demo)' },
  });
  await gql(`mutation($m: String!, $v: Int!) { setModelAlias(model: $m, alias: "production", version: $v) { alias } }`, {
    m: MODEL,
    v: createModelVersion.version,
  });
  say(
    `trained a logistic regression on ${train.rows.length} Seattle days (2012–2014): ${bold(`v${createModelVersion.version}`)} is in production`,
  );
  return createModelVersion.version;
}

async function setUpRules() {
  const { alertRules } = await gql(`query($m: String!) { alertRules(model: $m) { id } }`, { m: MODEL });
  for (const r of alertRules) await gql(`mutation($id: ID!) { deleteAlertRule(id: $id) }`, { id: r.id });
  const rules = [
    { kind: 'DRIFT', threshold: 0.5, severity: 'CRITICAL' },
    { kind: 'ACCURACY', threshold: 0.6, severity: 'WARNING' },
    { kind: 'LATENCY', threshold: 100, severity: 'WARNING' },
  ];
  for (const input of rules) {
    await gql(`mutation($i: AlertRuleInput!) { createAlertRule(input: $i) { id } }`, {
      i: { model: MODEL, windowSeconds: 3600, ...input },
    });
  }
  say(`alert rules: drifted share ≥ 0.5 (critical), accuracy < 0.6, p95 latency > 100 ms; window 1 h`);
  try {
    await gql(`mutation($m: String!) { setRetrainPolicy(model: $m, onDrift: true, minIntervalSeconds: 600) { onDrift } }`, { m: MODEL });
    say('retrain policy: a firing drift alert retrains the model (at most every 10 min)');
  } catch (err) {
    say(yellow(`no retrain policy: ${err.message}`));
  }
}

// ---------------------------------------------------------------- replay
function shuffled(rows, seed) {
  const copy = rows.slice();
  ml.shuffleInPlace(copy, ml.mulberry32(seed));
  return copy;
}

async function evaluate() {
  try {
    await gql(`mutation($m: String!) { evaluateAlertRules(model: $m) { id } }`, { m: MODEL });
  } catch (err) {
    say(yellow(`evaluateAlertRules failed: ${err.message}`));
  }
}

async function replay(days, phase, counter) {
  let correct = 0;
  for (const [i, day] of days.entries()) {
    const features = Object.fromEntries(ml.RAIN_TOMORROW_FEATURE_NAMES.map((name, j) => [name, day.features[j]]));
    const { predict } = await gql(`query($m: String!, $f: JSONObject!) { predict(model: $m, features: $f) { id label score } }`, {
      m: MODEL,
      f: features,
    });
    const actual = LABELS[day.label];
    if (predict.label === actual) correct++;
    await gql(`mutation($id: ID!, $a: String!) { recordFeedback(predictionId: $id, actual: $a) { predictionId } }`, {
      id: predict.id,
      a: actual,
    });
    counter.done++;
    progress(counter.done, counter.total, phase, `${day.date}  accuracy so far ${((100 * correct) / (i + 1)).toFixed(0)}%`);
    if (counter.done % EVALUATE_EVERY === 0) await evaluate();
    if (PACE_MS) await sleep(PACE_MS);
  }
  return correct / days.length;
}

async function driftSummary() {
  const { driftReport: r } = await gql(
    `query($m: String!) { driftReport(model: $m) { version reference referenceSize sampleSize drifted share insufficientData reason
       features { feature method statistic pValue drifted } prediction { method statistic pValue drifted } } }`,
    { m: MODEL },
  );
  say(
    bold(
      `\ndrift of v${r.version} over the last hour: ${r.sampleSize} predictions vs ${r.reference.toLowerCase()} (${r.referenceSize} rows)`,
    ),
  );
  if (r.insufficientData) return say(`  insufficient data: ${r.reason}`);
  for (const f of [...r.features, ...(r.prediction ? [{ ...r.prediction, feature: '(prediction)' }] : [])]) {
    const value = f.pValue !== null ? `p = ${f.pValue.toExponential(2)}` : `${f.statistic.toFixed(3)}`;
    say(`  ${f.feature.padEnd(16)} ${f.method.padEnd(18)} ${value.padEnd(14)} ${f.drifted ? red('drifted') : green('stable')}`);
  }
  say(`  dataset: ${r.drifted ? red(bold(`DRIFTED (share ${r.share.toFixed(2)})`)) : green(`not drifted (share ${r.share.toFixed(2)})`)}`);
}

async function followRetraining() {
  const { alerts } = await gql(
    `query($m: String!) { alerts(model: $m, kind: DRIFT, first: 1) { id status retrainStatus retrainRunId retrainError } }`,
    {
      m: MODEL,
    },
  );
  const alert = alerts[0];
  if (!alert) return say(dim('no drift alert, so no retraining'));
  if (alert.retrainStatus !== 'REQUESTED') {
    return say(
      yellow(`retraining ${alert.retrainStatus?.toLowerCase() ?? 'not requested'}${alert.retrainError ? `: ${alert.retrainError}` : ''}`),
    );
  }
  say(bold(`\nretraining run ${alert.retrainRunId} started by drift alert ${alert.id}`));
  const deadline = Date.now() + RETRAIN_WAIT_S * 1000;
  let last = '';
  while (Date.now() < deadline) {
    let run;
    try {
      ({ run } = await gql(
        `query($id: ID!) { run(id: $id) { status progress producedVersion { version status } metrics { key value } } }`,
        {
          id: alert.retrainRunId,
        },
      ));
    } catch (err) {
      return say(yellow(`cannot follow the run: ${err.message}`));
    }
    const line = `run ${run.status.toLowerCase()} ${run.progress !== null && run.progress !== undefined ? `${Math.round(run.progress * 100)}%` : ''}`;
    if (line !== last) drawBar(cyan(line));
    last = line;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) {
      say(`run ${run.status}`);
      if (run.producedVersion) say(`  produced v${run.producedVersion.version} (${run.producedVersion.status})`);
      for (const m of run.metrics ?? []) say(`  ${m.key.padEnd(20)} ${Number(m.value).toFixed(4)}`);
      return;
    }
    await sleep(1000);
  }
  say(yellow(`the run is still going after ${RETRAIN_WAIT_S} s; follow it with query Run($id) or the RunUpdated subscription`));
}

// ---------------------------------------------------------------- main
async function main() {
  try {
    await gql('{ __typename }');
  } catch (err) {
    console.error(`cannot reach Modelplane at ${URL_HTTP} (${err.message}). Start it with \`npm start\`, or set MODELPLANE_URL.`);
    return 1;
  }
  console.log(bold(`Modelplane monitoring demo — model ${MODEL} at ${URL_HTTP}\n`));
  await ensureModel();
  await setUpRules();
  const watcher = await watchAlerts();
  say(`alerts arrive ${bold(`via ${watcher.via}`)}\n`);

  const seattle = shuffled(ml.loadRainTomorrowSplit('Seattle').test.rows, 2015);
  const newYork = shuffled(ml.loadRainTomorrowSplit('New York').test.rows, 2016);
  const counter = { done: 0, total: seattle.length + newYork.length };
  const seattleAccuracy = await replay(seattle, 'Seattle 2015', counter);
  await sleep(1500);
  await evaluate();
  say(`Seattle 2015 replayed: accuracy ${(seattleAccuracy * 100).toFixed(1)}% (the first predictions are the drift reference)`);
  const newYorkAccuracy = await replay(newYork, 'New York 2015', counter);
  // Monitoring reads the prediction log about once a second: let it catch up, then evaluate.
  await sleep(1500);
  await evaluate();
  say(`New York 2015 replayed: accuracy ${(newYorkAccuracy * 100).toFixed(1)}%`);
  await sleep(500);
  drawBar('');
  await driftSummary();
  await followRetraining();
  await watcher.stop();
  drawBar('');
  if (tty) process.stdout.write('\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`\ndemo failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
