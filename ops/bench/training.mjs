#!/usr/bin/env node
// Training benchmark on the built code (npm run build first): the README's "Training" table.
//   1. The built-in dataset `seattle-weather` (rain tomorrow, Seattle, vega-datasets) split as the
//      platform splits it (subgraphs/experiments datasets.ts: BUILTIN_SPLIT, splitRows), and each
//      model trained by the platform's own pipeline (training/pipeline.ts trainAndEvaluate, what the
//      worker thread runs) from a plan parsed by the platform (training-params.ts):
//        - majority-class baseline (the pipeline's `baseline`),
//        - logistic regression as the bootstrap trains `seattle-rain` v1 ({ trainer: logistic-regression },
//          experiment defaults: no other parameters),
//        - gradient-boosted trees with their defaults,
//        - gradient-boosted trees after the 5-fold grid search of the API's example
//          (BENCH_TRAINING_SEARCH, JSON, overrides the `search` object).
//      Test metrics on the 2015 split; fit time = median of BENCH_TRAINING_RUNS (default 5) warm runs
//      of the final fit, after one cold run reported apart (the search is timed apart too); rows/s =
//      training rows / fit time (the platform's `rows_per_second` metric).
//   2. Each export run in ONNX Runtime on the whole test split as the worker checks it
//      (onnx-scoring.ts scoreBinaryOnnx): max |ONNX − trainer| probability.
//   3. Unless BENCH_TRAINING_PLATFORM=0: a platform started here (embedded PostgreSQL, demo model
//      bootstrapped), then BENCH_TRAINING_RETRAINS (default 3) triggerRetraining calls through the
//      gateway, each timed from the mutation to the run seen finished, and by the run's own
//      createdAt → finishedAt.
// Run: npm run bench:training
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gql, median, root, startPlatform } from './lib/platform.mjs';

const require = createRequire(import.meta.url);
const ml = require(join(root, 'packages', 'ml', 'dist', 'index.js'));
const experiments = join(root, 'subgraphs', 'experiments', 'dist');
const { BUILTIN_DATASET, BUILTIN_SPLIT, splitRows } = require(join(experiments, 'datasets.js'));
const { parseTrainingParams } = require(join(experiments, 'training', 'training-params.js'));
const { trainAndEvaluate } = require(join(experiments, 'training', 'pipeline.js'));
const { OWN_SIGNATURE, scoreBinaryOnnx } = require(join(experiments, 'training', 'onnx-scoring.js'));
const { ONNX_TOLERANCE } = require(join(experiments, 'training', 'run-executor.js'));

const RUNS = Math.max(1, Number(process.env.BENCH_TRAINING_RUNS ?? 5));
const RETRAINS = Math.max(1, Number(process.env.BENCH_TRAINING_RETRAINS ?? 3));
const PLATFORM = process.env.BENCH_TRAINING_PLATFORM !== '0';
// The search of the API's example (docs/api.md, triggerRetraining's description); strategy grid,
// metric rocAuc, shuffled stratified folds and seed 42 are the platform's defaults.
const SEARCH = process.env.BENCH_TRAINING_SEARCH
  ? JSON.parse(process.env.BENCH_TRAINING_SEARCH)
  : { space: { maxDepth: [2, 3] }, folds: 5 };
// A new experiment's defaults (experiment.entity.ts): trainer logistic-regression, no parameters.
const EXPERIMENT_DEFAULTS = { trainer: 'logistic-regression', params: {} };
const MODEL = 'seattle-rain';

// ---------------------------------------------------------------- 1. the dataset, as the platform splits it
// DatasetStore.ensureBuiltin registers loadRainTomorrowDataset('Seattle') with BUILTIN_SPLIT; the
// worker reads the rows back (JSON) and applies splitRows.
const all = ml.loadRainTomorrowDataset('Seattle');
const stored = JSON.parse(JSON.stringify(all.rows.map((r) => ({ date: r.date, features: r.features, label: r.label }))));
const { train, test } = splitRows(stored, BUILTIN_SPLIT);
const featureNames = [...all.featureNames];
// The ml package's own loader should agree row for row (the README of packages/ml uses it).
const mlSplit = ml.loadRainTomorrowSplit('Seattle');
const sameRows = (a, b) => a.length === b.length && a.every((r, i) => r.date === b[i].date && r.label === b[i].label);
const splitMatchesMlLoader = sameRows(train, mlSplit.train.rows) && sameRows(test, mlSplit.test.rows);
const period = (rows) => `${rows[0].date} … ${rows[rows.length - 1].date}`;

const models = [
  { key: 'logisticRegression', label: 'logistic regression (`seattle-rain` v1)', params: { trainer: 'logistic-regression' } },
  { key: 'gradientBoosting', label: 'gradient-boosted trees, defaults', params: { trainer: 'gradient-boosting' } },
  {
    key: 'gradientBoostingCv',
    label: 'gradient-boosted trees, 5-fold CV search',
    params: { trainer: 'gradient-boosting', search: SEARCH },
  },
];

const round = (x, d) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const results = {};
let baseline;
for (const m of models) {
  const plan = parseTrainingParams(m.params, EXPERIMENT_DEFAULTS);
  const input = { plan, featureNames, train, test, metadata: { 'modelplane.benchmark': 'training' } };
  // The first run (cold: the platform trains each run in a new worker thread, so unoptimised code)
  // is reported apart; the median is over RUNS warm runs after it.
  const cold = trainAndEvaluate(input, () => undefined);
  const outputs = [];
  for (let i = 0; i < RUNS; i++) outputs.push(trainAndEvaluate(input, () => undefined));
  const first = outputs[0];
  const deterministic = [cold, ...outputs].every((o) => o.testProbabilities.every((p, i) => p === first.testProbabilities[i]));
  const served = await scoreBinaryOnnx(
    first.onnx,
    test.map((r) => r.features),
    OWN_SIGNATURE,
  );
  let onnxMaxAbsDiff = 0;
  let labelDisagreements = 0;
  served.forEach((p, i) => {
    onnxMaxAbsDiff = Math.max(onnxMaxAbsDiff, Math.abs(p - first.testProbabilities[i]));
    if (p >= 0.5 !== first.testProbabilities[i] >= 0.5) labelDisagreements++;
  });
  const fitMs = median(outputs.map((o) => o.fitSeconds * 1000));
  const searchMs = first.search ? median(outputs.map((o) => o.searchSeconds * 1000)) : null;
  baseline ??= first.baseline;
  results[m.key] = {
    label: m.label,
    trainer: plan.trainer,
    request: m.params,
    params: first.finalParams,
    search: first.search && {
      strategy: plan.search.strategy,
      space: plan.search.space,
      folds: first.search.folds,
      metric: first.search.metric,
      candidates: first.search.candidates,
      bestParams: first.search.bestParams,
      cvScore: round(first.search.bestScore, 4),
      medianMs: round(searchMs, 1),
    },
    rocAuc: round(first.report.rocAuc, 4),
    accuracy: round(first.report.accuracy, 4),
    logLoss: round(first.report.logLoss, 4),
    fit: {
      runs: RUNS,
      medianMs: round(fitMs, 2),
      minMs: round(Math.min(...outputs.map((o) => o.fitSeconds * 1000)), 2),
      maxMs: round(Math.max(...outputs.map((o) => o.fitSeconds * 1000)), 2),
      coldMs: round(cold.fitSeconds * 1000, 2),
      coldSearchMs: cold.search ? round(cold.searchSeconds * 1000, 1) : null,
    },
    rowsPerSecond: Math.round(train.length / (fitMs / 1000)),
    deterministic,
    onnx: { bytes: first.onnx.length, maxAbsDiff: onnxMaxAbsDiff, labelDisagreements, withinTolerance: onnxMaxAbsDiff <= ONNX_TOLERANCE },
  };
}
results.majorityBaseline = {
  label: `majority-class baseline ("${baseline.majorityClass ? 'rain' : 'dry'}")`,
  majorityClass: baseline.majorityClass,
  positiveRate: round(baseline.positiveRate, 4),
  rocAuc: round(baseline.rocAuc, 4),
  accuracy: round(baseline.accuracy, 4),
  logLoss: round(baseline.logLoss, 4),
};

// ---------------------------------------------------------------- 3. retraining through the platform
let retraining = null;
if (PLATFORM) {
  const platform = await startPlatform({ BOOTSTRAP_DEMO_MODEL: 'true' });
  try {
    const runFields = 'id status createdAt startedAt finishedAt durationSeconds error metrics { key value }';
    // The first start trains and promotes seattle-rain v1 (bootstrap.ts): wait for that run.
    const t0 = performance.now();
    let bootstrapRun;
    for (;;) {
      const { runs } = await gql(platform.gateway, `query { runs(model: "${MODEL}", first: 5) { ${runFields} } }`).catch(() => ({
        runs: [],
      }));
      bootstrapRun = runs.find((r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status));
      if (bootstrapRun) break;
      if (performance.now() - t0 > 120000) throw new Error('the demo model was not trained within 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    if (bootstrapRun.status !== 'SUCCEEDED') throw new Error(`the demo model's first run ${bootstrapRun.status}: ${bootstrapRun.error}`);
    const metric = (run, key) => run.metrics.find((x) => x.key === key)?.value ?? null;
    const samples = [];
    for (let i = 0; i < RETRAINS; i++) {
      const started = performance.now();
      const { triggerRetraining } = await gql(
        platform.gateway,
        'mutation ($params: JSONObject) { triggerRetraining(model: "seattle-rain", reason: "bench:training", params: $params) { id status } }',
        { params: { trainer: 'logistic-regression' } },
      );
      let run;
      for (;;) {
        ({ run } = await gql(platform.gateway, `query ($id: ID!) { run(id: $id) { ${runFields} } }`, { id: triggerRetraining.id }));
        if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) break;
        if (performance.now() - started > 120000) throw new Error(`retraining run ${run.id} still ${run.status} after 120 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (run.status !== 'SUCCEEDED') throw new Error(`retraining run ${run.id} ${run.status}: ${run.error}`);
      samples.push({
        clientMs: performance.now() - started,
        serverMs: Date.parse(run.finishedAt) - Date.parse(run.createdAt),
        queuedMs: Date.parse(run.startedAt) - Date.parse(run.createdAt),
        rocAuc: metric(run, 'roc_auc'),
        onnxMaxAbsDiff: metric(run, 'onnx_max_abs_diff'),
      });
    }
    retraining = {
      runs: RETRAINS,
      params: { trainer: 'logistic-regression' },
      mutationToFinishedMs: {
        median: Math.round(median(samples.map((s) => s.clientMs))),
        max: Math.round(Math.max(...samples.map((s) => s.clientMs))),
      },
      createdToFinishedMs: { median: median(samples.map((s) => s.serverMs)), max: Math.max(...samples.map((s) => s.serverMs)) },
      queuedToStartedMs: { median: median(samples.map((s) => s.queuedMs)) },
      // The platform's own metrics of the demo model's v1 run: they should equal the table's.
      bootstrapRun: {
        rocAuc: round(metric(bootstrapRun, 'roc_auc'), 4),
        accuracy: round(metric(bootstrapRun, 'accuracy'), 4),
        logLoss: round(metric(bootstrapRun, 'log_loss'), 4),
        onnxMaxAbsDiff: metric(bootstrapRun, 'onnx_max_abs_diff'),
        fitSeconds: metric(bootstrapRun, 'fit_seconds'),
        trainingSeconds: metric(bootstrapRun, 'training_seconds'),
      },
      retrainedRocAuc: samples.map((s) => round(s.rocAuc, 4)),
    };
  } finally {
    await platform.stop();
  }
}

const result = {
  benchmark: 'training',
  at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: round(loadavg()[0], 2),
  runs: RUNS,
  dataset: {
    name: BUILTIN_DATASET,
    split: BUILTIN_SPLIT,
    features: featureNames,
    trainRows: train.length,
    testRows: test.length,
    trainPeriod: period(train),
    testPeriod: period(test),
    splitMatchesMlLoader,
  },
  onnxTolerance: ONNX_TOLERANCE,
  results,
  retraining,
};
await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
await writeFile(join(root, 'ops', 'bench', 'results', 'training.json'), `${JSON.stringify(result, null, 2)}\n`);

// ---------------------------------------------------------------- the table
const f3 = (x) => x.toFixed(3);
const msText = (x) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
const rows = (x) => `~${(Math.round(x / 1000) * 1000).toLocaleString('en-US')}`;
console.log(
  `Seattle rain-tomorrow (${BUILTIN_DATASET}): ${train.length} training rows (${period(train)}), test ${test.length} rows (${period(test)}); ` +
    `fit time median of ${RUNS} warm runs (cold first run in training.json)`,
);
console.log('');
console.log('| model | test ROC AUC | accuracy | log loss | fit time | rows/s | ONNX max abs diff |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const b = results.majorityBaseline;
console.log(`| ${b.label} | ${f3(b.rocAuc)} | ${f3(b.accuracy)} | ${f3(b.logLoss)} | | | |`);
for (const m of models) {
  const r = results[m.key];
  const fit = r.search ? `${msText(r.fit.medianMs)} (+ ${msText(r.search.medianMs)} search)` : msText(r.fit.medianMs);
  console.log(
    `| ${r.label} | ${f3(r.rocAuc)} | ${f3(r.accuracy)} | ${f3(r.logLoss)} | ${fit} | ${rows(r.rowsPerSecond)} | ${r.onnx.maxAbsDiff.toExponential(1)} |`,
  );
}
const cv = results.gradientBoostingCv.search;
console.log('');
console.log(
  `CV search: ${cv.strategy} over ${JSON.stringify(cv.space)}, ${cv.folds} folds, ${cv.candidates} candidates, metric ${cv.metric} → ` +
    `${JSON.stringify(cv.bestParams)} (CV ${cv.metric} ${cv.cvScore}). Split as ml's loadRainTomorrowSplit: ${splitMatchesMlLoader}.`,
);
if (retraining)
  console.log(
    `Full retraining run through the gateway (triggerRetraining → SUCCEEDED, logistic regression, ${RETRAINS} runs): ` +
      `median ${retraining.mutationToFinishedMs.median} ms (run createdAt → finishedAt ${retraining.createdToFinishedMs.median} ms); ` +
      `the platform's v1 run: ROC AUC ${retraining.bootstrapRun.rocAuc}, ONNX diff ${retraining.bootstrapRun.onnxMaxAbsDiff}.`,
  );
