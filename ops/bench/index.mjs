#!/usr/bin/env node
// `npm run bench`: every benchmark in sequence, each in a process of its own, then one summary:
// ops/bench/results/latest.json (every result file) and ops/bench/results/latest.md (the tables
// the README includes). A benchmark that fails is reported and the others still run; the exit code
// is then 1.
//
//   startup.mjs         spawn → gateway ready, cold and warm (BENCH_STARTUP_RUNS, default 3)
//   predict.mjs         prediction paths: gateway, subgraph direct, ONNX Runtime in-process
//   fastapi.mjs         single-row predict: gateway, subgraph direct, and the seed-style FastAPI +
//                       scikit-learn service; sustained (BENCH_SECONDS, 30 here too), platform
//                       defaults (auth on) but the rate limit, CPU per request of each process
//   gateway.mjs         ours vs plain @apollo/gateway vs Hive Gateway
//   rollback.mjs        alias move / rollback acknowledged → predictions on two replicas show it
//   drift.mjs           drift engine and reports over BENCH_DRIFT_ROWS logged predictions (100 000)
//   training.mjs        the built-in trainers on the Seattle split: test metrics, fit time (median of
//                       BENCH_TRAINING_RUNS, default 5), ONNX Runtime vs trainer, and retraining runs
//                       through a platform started there (BENCH_TRAINING_RETRAINS, default 3)
//   alert-delivery.mjs  alert → subscriber latency, against a platform started here
//                       (BENCH_ALERT_EVENTS, default 40)
//   prediction-log      lib/prediction-log-bench.mjs: how fast served rows reach the prediction
//                       log in PostgreSQL (BENCH_LOG_ROWS, default 200 000)
//
// BENCH_SECONDS (default 4 here) is each load phase of predict and gateway; BENCH_ONLY=a,b runs a
// subset; `--render` runs nothing and rewrites latest.json and latest.md from the result files.
// The platforms run with AUTH=off (unless AUTH is set; not fastapi, which keeps auth on as a user
// has it) and no rate limit: each prints the settings that differ from the defaults.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { root, startPlatform } from './lib/platform.mjs';
import { renderFastapi } from './lib/fastapi-table.mjs';
import { renderGateway } from './lib/gateway-table.mjs';
import { measurePredictionLog } from './lib/prediction-log-bench.mjs';

const bench = join(root, 'ops', 'bench');
const resultsDir = join(bench, 'results');
const env = {
  ...process.env,
  BENCH_SECONDS: process.env.BENCH_SECONDS ?? '4',
  AUTH: process.env.AUTH ?? 'off',
  RATE_LIMIT_PER_SECOND: process.env.RATE_LIMIT_PER_SECOND ?? '0',
};
const only = process.argv.includes('--render') ? [] : process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

const benchmarks = [
  { name: 'startup', args: [process.env.BENCH_STARTUP_RUNS ?? '3'] },
  { name: 'predict', env: { BOOTSTRAP_DEMO_MODEL: 'false' } },
  // Defaults (undefined: not set), sustained runs.
  { name: 'fastapi', env: { AUTH: undefined, BENCH_SECONDS: process.env.BENCH_SECONDS ?? '30' } },
  { name: 'gateway', env: { BOOTSTRAP_DEMO_MODEL: 'false' } },
  { name: 'drift', args: [process.env.BENCH_DRIFT_ROWS ?? '100000'] },
  { name: 'training' },
  { name: 'rollback' },
  { name: 'alert-delivery', args: [process.env.BENCH_ALERT_EVENTS ?? '40'], platform: true },
  // A buffer that holds every row: the drain rate is the figure, not the drop policy.
  { name: 'prediction-log', inline: measurePredictionLog, platform: { PREDICTION_LOG_BUFFER: '1000000' } },
].filter((b) => !only || only.includes(b.name));

function run(script, args, extraEnv) {
  return new Promise((resolve) => {
    const merged = Object.fromEntries(Object.entries({ ...env, ...extraEnv }).filter(([, v]) => v !== undefined));
    const child = spawn(process.execPath, [join(bench, script), ...args], { env: merged, stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const rendering = process.argv.includes('--render');
// --render keeps the previous run's metadata and judges freshness against its start.
const previous = rendering ? JSON.parse(await readFile(join(resultsDir, 'latest.json'), 'utf8').catch(() => 'null')) : null;
const startedAt = previous ? Date.parse(previous.at) - previous.totalSeconds * 1000 - 1000 : Date.now();
const outcomes = previous?.benchmarks ?? [];
for (const b of benchmarks) {
  process.stdout.write(`\n## ${b.name}\n\n`);
  const t0 = performance.now();
  let code;
  let platform;
  try {
    const extra = { ...b.env };
    if (b.platform) {
      // These measure against a running platform: one of their own.
      platform = await startPlatform({
        AUTH: env.AUTH,
        RATE_LIMIT_PER_SECOND: env.RATE_LIMIT_PER_SECOND,
        BOOTSTRAP_DEMO_MODEL: 'false',
        ...(typeof b.platform === 'object' && b.platform),
      });
      Object.assign(extra, {
        MODELPLANE_URL: platform.gateway,
        MONITORING_WS_URL: `ws://127.0.0.1:${platform.ports.MONITORING_PORT}/graphql`,
      });
    }
    if (b.inline) {
      await b.inline(platform);
      code = 0;
    } else code = await run(`${b.name}.mjs`, b.args ?? [], extra);
  } catch (err) {
    console.error(`${b.name}: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  } finally {
    await platform?.stop();
  }
  outcomes.push({ name: b.name, ok: code === 0, exitCode: code, seconds: Math.round((performance.now() - t0) / 100) / 10 });
}

// Every result file, marked with whether this run wrote it.
const results = {};
for (const file of (await readdir(resultsDir)).filter((f) => f.endsWith('.json') && f !== 'latest.json').sort()) {
  const path = join(resultsDir, file);
  const data = JSON.parse(await readFile(path, 'utf8'));
  results[file.replace(/\.json$/, '')] = { ...data, fresh: (await stat(path)).mtimeMs >= startedAt };
}
const latest = {
  at: previous?.at ?? new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: previous?.loadAverage ?? loadavg()[0],
  totalSeconds: previous?.totalSeconds ?? Math.round((Date.now() - startedAt) / 1000),
  benchmarks: outcomes,
  results,
};
await writeFile(join(resultsDir, 'latest.json'), `${JSON.stringify(latest, null, 2)}\n`);
const markdown = renderMarkdown(latest);
await writeFile(join(resultsDir, 'latest.md'), markdown);
process.stdout.write(`\n${markdown}`);
const failed = outcomes.filter((o) => !o.ok);
if (failed.length) console.error(`failed: ${failed.map((o) => `${o.name} (exit ${o.exitCode})`).join(', ')}`);
process.exit(failed.length ? 1 : 0);

function renderMarkdown(summary) {
  const f = (x, d = 0) =>
    x === null || x === undefined || Number.isNaN(Number(x))
      ? '–'
      : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const ms = (x) => (x === null || x === undefined ? '–' : f(x, x < 10 ? 2 : 0));
  const out = [];
  const stale = (r) => (r.fresh ? '' : ` (not rerun: from ${r.at?.slice(0, 10) ?? 'an earlier run'})`);
  out.push(
    `Benchmarks from \`npm run bench\` on ${summary.cpus} cores, Node ${summary.node}, ${summary.at.slice(0, 10)} ` +
      `(${summary.totalSeconds} s in all; 1-minute load average at the end ${f(summary.loadAverage, 1)}). Loopback only; rerun on your machine to compare.\n`,
  );
  const { startup, predict, fastapi, gateway, drift, training, rollback } = summary.results;
  const alerts = summary.results['alert-delivery'];
  if (predict?.results) {
    const r = predict.results;
    out.push(`### Predictions${stale(predict)}\n`);
    out.push(
      `| path (${predict.features} features, ${predict.connections} connections, ${predict.seconds} s) | single rows/s | p50 / p99 under load (ms) | p50 / p99 one at a time (ms) | 1 000-row batches, rows/s |`,
    );
    out.push('| --- | --- | --- | --- | --- |');
    out.push(
      `| through the gateway | ${f(r.gatewaySingle.rps)} | ${r.gatewaySingle.p50} / ${r.gatewaySingle.p99} | ${ms(r.gatewaySingleLight.p50)} / ${ms(r.gatewaySingleLight.p99)} | ${f(r.gatewayBatch.rps * 1000)} |`,
    );
    out.push(
      `| prediction subgraph direct | ${f(r.directSingle.rps)} | ${r.directSingle.p50} / ${r.directSingle.p99} | ${ms(r.directSingleLight.p50)} / ${ms(r.directSingleLight.p99)} | ${f(r.directBatch.rps * 1000)} |`,
    );
    out.push(
      `| ONNX Runtime in-process | ${f(r.raw.single.rps)} | | ${f(r.raw.single.p50, 3)} / ${f(r.raw.single.p99, 3)} | ${f(r.raw.batched.rps * 1000)} |`,
    );
    out.push('');
    out.push(
      `Gateway/direct: ${f(predict.ratios.gatewayVsDirectSingle * 100)} % single, ${f(predict.ratios.gatewayVsDirectBatchRows * 100)} % batch. ` +
        (predict.errors
          ? `**${f(predict.errors)} requests failed in this run: the figures of the path that failed are not valid.**`
          : 'Errors: 0.') +
        (r.stall
          ? ` Single rows one at a time while 10 000-row batches run: p50/p99 ${ms(r.stall.busyP50)}/${ms(r.stall.busyP99)} ms (alone ${ms(r.stall.quietP50)}/${ms(r.stall.quietP99)} ms).`
          : '') +
        '\n',
    );
  }
  if (fastapi?.results) out.push(`### Modelplane vs FastAPI${stale(fastapi)}\n`, renderFastapi(fastapi));
  if (gateway?.results) out.push(`### Gateways${stale(gateway)}\n`, renderGateway(gateway));
  if (alerts?.events) {
    out.push(`### Alert delivery${stale(alerts)}\n`);
    out.push(
      '| subscriber | received | alert timestamp → receipt p50 / p95 / max (ms) | evaluateAlertRules call → receipt p50 / p95 (ms) |',
    );
    out.push('| --- | --- | --- | --- |');
    for (const [label, r] of [
      ['through the gateway', alerts.gateway],
      ['monitoring subgraph directly', alerts.monitoringSubgraph],
    ]) {
      if (typeof r !== 'object') out.push(`| ${label} | ${r} | | |`);
      else
        out.push(
          `| ${label} | ${r.received} / ${r.expected} | ${r.alertTimestampToReceiptMs.p50} / ${r.alertTimestampToReceiptMs.p95} / ${r.alertTimestampToReceiptMs.max} | ${r.evaluateCallToReceiptMs.p50} / ${r.evaluateCallToReceiptMs.p95} |`,
        );
    }
    out.push('');
  }
  if (rollback?.results) {
    out.push(`### Rollback propagation${stale(rollback)}\n`);
    out.push(
      `| path (${rollback.moves} alias moves: setModelAlias and rollbackModel in turn) | acknowledged → first answer with the new version, p50 / p95 / max (ms) | stale answers after the acknowledgment | errors | predictions |`,
    );
    out.push('| --- | --- | --- | --- | --- |');
    for (const [label, r] of Object.entries(rollback.results)) {
      const p = r.propagationMs;
      out.push(`| ${label} | ${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.max)} | ${r.stale} | ${r.errors} | ${f(r.predictions)} |`);
    }
    out.push('');
  }
  const log = summary.results['prediction-log'];
  if (log?.loggedRows) {
    out.push(`### Prediction log${stale(log)}\n`);
    out.push('| 1 000-row predictBatch calls through the gateway, 4 at a time | figure |');
    out.push('| --- | --- |');
    out.push(`| rows served and acknowledged | ${f(log.acknowledgedRows)} at ${f(log.servedRowsPerSecond)} rows/s |`);
    out.push(
      `| all of them in prediction.prediction_log after | ${f(log.allLoggedAfterMs / 1000, 1)} s (${f(log.loggedRowsPerSecond)} rows/s end to end) |`,
    );
    out.push(`| PostgreSQL size per logged row (8 numeric features, indexes included) | ${f(log.bytesPerLoggedRow)} bytes |`);
    out.push('');
  }
  if (training?.results) {
    const d = training.dataset;
    out.push(`### Training${stale(training)}\n`);
    out.push(
      `| ${d.name}: ${f(d.trainRows)} training rows, test ${f(d.testRows)} rows (${d.testPeriod}) | test ROC AUC | accuracy | log loss | fit time, median of ${training.runs} (ms) | rows/s | ONNX max abs diff |`,
    );
    out.push('| --- | --- | --- | --- | --- | --- | --- |');
    const b = training.results.majorityBaseline;
    if (b) out.push(`| ${b.label} | ${f(b.rocAuc, 3)} | ${f(b.accuracy, 3)} | ${f(b.logLoss, 3)} | | | |`);
    for (const key of ['logisticRegression', 'gradientBoosting', 'gradientBoostingCv']) {
      const r = training.results[key];
      if (!r) continue;
      const fit = r.search ? `${ms(r.fit.medianMs)} (+ ${ms(r.search.medianMs)} search)` : ms(r.fit.medianMs);
      out.push(
        `| ${r.label} | ${f(r.rocAuc, 3)} | ${f(r.accuracy, 3)} | ${f(r.logLoss, 3)} | ${fit} | ${f(r.rowsPerSecond)} | ${r.onnx.maxAbsDiff.toExponential(1)} |`,
      );
    }
    out.push('');
    const cv = training.results.gradientBoostingCv?.search;
    const retrain = training.retraining;
    out.push(
      (cv
        ? `CV search: ${cv.strategy} over \`${JSON.stringify(cv.space)}\`, ${cv.folds} folds, metric ${cv.metric} → \`${JSON.stringify(cv.bestParams)}\`. `
        : '') +
        (retrain
          ? `Full retraining run through the gateway (triggerRetraining → SUCCEEDED, median of ${retrain.runs}): ${ms(retrain.mutationToFinishedMs.median)} ms.`
          : 'Retraining through the platform not measured in this run.') +
        '\n',
    );
  }
  if (drift?.reports) {
    out.push(`### Drift${stale(drift)}\n`);
    out.push(`| ${f(drift.currentRows)} predictions × ${drift.features} features (${drift.runs} runs) | median (ms) | max (ms) |`);
    out.push('| --- | --- | --- |');
    const rows = [
      ['detectDrift, 300-row baseline (KS)', drift.detectDrift.ksBaseline],
      ['detectDrift, reference profile (Wasserstein)', drift.detectDrift.wassersteinProfile],
      ['driftReport from PostgreSQL, baseline', drift.reports.driftReportBaseline],
      ['driftReport from PostgreSQL, profile', drift.reports.driftReportProfile],
      ['latencyReport', drift.reports.latencyReport],
      ['accuracyReport', drift.reports.accuracyReport],
    ];
    for (const [label, r] of rows) if (r) out.push(`| ${label} | ${r.medianMs} | ${r.maxMs} |`);
    out.push('');
  }
  if (startup?.coldMedianMs) {
    out.push(`### Start-up${stale(startup)}\n`);
    out.push(`| spawn → gateway ready (${startup.runs} runs) | median | max |`);
    out.push('| --- | --- | --- |');
    out.push(
      `| cold: new MODELPLANE_HOME (initdb + migrations) | ${f(startup.coldMedianMs / 1000, 1)} s | ${f(startup.coldMaxMs / 1000, 1)} s |`,
    );
    out.push(`| warm: existing cluster | ${f(startup.warmMedianMs / 1000, 1)} s | ${f(startup.warmMaxMs / 1000, 1)} s |`);
    out.push(`| SIGTERM → all stopped | ${f(startup.stopMedianMs / 1000, 1)} s | |`);
    out.push('');
  }
  const failed = summary.benchmarks.filter((b) => !b.ok);
  if (failed.length) out.push(`Failed in this run: ${failed.map((b) => `${b.name} (exit ${b.exitCode})`).join(', ')}.\n`);
  return `${out.join('\n')}\n`;
}
