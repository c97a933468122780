#!/usr/bin/env node
// Drift benchmark on the built code (npm run build first):
//   1. detectDrift alone (packages/stats) over 100 000 current rows × 6 numeric features, against
//      a 300-row baseline (KS + Bonferroni) and against a reference profile (normed Wasserstein, PSI);
//   2. the monitoring subgraph's driftReport path over 100 000 logged predictions in PostgreSQL
//      (window query, JSON decoding, column building, detectDrift), plus the latency and accuracy
//      reports over the same window.
// Uses DATABASE_URL when set (a scratch database is created and dropped), else an embedded
// PostgreSQL in a temporary directory. Run: node ops/bench/drift.mjs [rows=100000]
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stats = require(join(root, 'packages', 'stats', 'dist', 'index.js'));
const ml = require(join(root, 'packages', 'ml', 'dist', 'index.js'));
const core = require(join(root, 'packages', 'core', 'dist', 'index.js'));
const { monitoringSubgraph } = require(join(root, 'subgraphs', 'monitoring', 'dist', 'index.js'));
const { MonitoringAnalysis } = require(join(root, 'subgraphs', 'monitoring', 'dist', 'analysis', 'monitoring-analysis.js'));
const { Client } = require('pg');

const ROWS = Number(process.argv[2] ?? 100000);
const BASELINE = 300;
const RUNS = 5;
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind', 'day_of_year_sin', 'day_of_year_cos'];
const logger = core.createLogger('bench', 'warn');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn, runs = RUNS) {
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: Math.round(median(ms) * 10) / 10, maxMs: Math.round(Math.max(...ms) * 10) / 10, result };
}

const random = ml.mulberry32(7);
const gaussian = (shift = 0) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) + shift;
const column = (n, shift) => Array.from({ length: n }, () => gaussian(shift));

// ---------------------------------------------------------------- 1. detectDrift alone
const reference = FEATURES.map(() => column(BASELINE, 0));
const current = FEATURES.map((_, j) => column(ROWS, j < 3 ? 0.3 : 0));
const training = Array.from({ length: 10000 }, () => FEATURES.map(() => gaussian()));
const profile = ml.computeReferenceProfile(training, FEATURES, { sampleSize: 1000 });
const input = (ref) => ({ features: FEATURES.map((feature, j) => ({ feature, type: 'NUMERIC', reference: ref(j), current: current[j] })) });
const pure = {
  ksBaseline: await time(() => stats.detectDrift(input((j) => reference[j]))),
  wassersteinProfile: await time(() =>
    stats.detectDrift(
      input((j) => ({
        edges: profile.features[j].histogram.edges,
        counts: profile.features[j].histogram.counts,
        sample: profile.features[j].sample,
      })),
    ),
  ),
  psiProfile: await time(() =>
    stats.detectDrift(
      input((j) => ({
        edges: profile.features[j].histogram.edges,
        counts: profile.features[j].histogram.counts,
        sample: profile.features[j].sample,
      })),
      { numericLargeSampleMethod: 'PSI' },
    ),
  ),
};

// ---------------------------------------------------------------- 2. driftReport over PostgreSQL
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

let pg;
let home;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  home = await mkdtemp(join(tmpdir(), 'modelplane-bench-drift-'));
  pg = await core.startEmbeddedPostgres({ home, port: await freePort(), logger, database: 'postgres' });
  adminUrl = pg.url;
}
const dbName = `bench_drift_${Date.now()}`;
const admin = new Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;

const db = core.createDataSource({
  url: url.toString(),
  schema: 'monitoring',
  entities: monitoringSubgraph.entities,
  migrations: monitoringSubgraph.migrations,
  poolSize: 4,
  applicationName: 'bench',
});
let report;
try {
  await db.initialize();
  await core.runMigrations(db, 'monitoring', logger);
  const n = BASELINE + ROWS;
  const t0 = performance.now();
  // Predictions as the consumer stores them: six numeric features, a label and a score; the
  // first BASELINE rows are the reference, the rest shifted on three features.
  await db.query(
    `INSERT INTO monitoring.observation (id, model, version, route, features, label, score, latency_ms, created_at)
     SELECT gen_random_uuid(), 'bench', 1, 'PRODUCTION',
       jsonb_build_object(${FEATURES.map((f, j) => `'${f}', sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())${j < 3 ? ' + (i > $2) :: int * 0.3' : ''}`).join(', ')}),
       CASE WHEN random() < 0.4 THEN 'wet' ELSE 'dry' END, random(), 1 + random() * 4, now() - (($1 - i) * interval '1 millisecond')
     FROM generate_series(1, $1) AS i`,
    [n, BASELINE],
  );
  await db.query(
    `INSERT INTO monitoring.label (prediction_id, model, actual, created_at)
     SELECT id, model, CASE WHEN random() < 0.8 THEN label ELSE 'x' END, now() FROM monitoring.observation WHERE random() < 0.1`,
  );
  await db.query('ANALYZE monitoring.observation');
  const insertMs = performance.now() - t0;

  const config = core.loadConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    MONITORING_WINDOW_MAX_ROWS: String(ROWS),
    MONITORING_BASELINE_ROWS: String(BASELINE),
  });
  const model = {
    name: 'bench',
    task: 'BINARY_CLASSIFICATION',
    labels: ['dry', 'wet'],
    features: FEATURES.map((name) => ({ name, type: 'NUMERIC', categories: null })),
    productionVersion: { version: 1 },
  };
  const registry = { model: async () => model };
  const noProfile = { referenceProfile: async () => null };
  const withProfile = { referenceProfile: async () => JSON.parse(JSON.stringify(profile)) };
  const baselineAnalysis = new MonitoringAnalysis(db, config, registry, noProfile, logger);
  const profileAnalysis = new MonitoringAnalysis(db, config, registry, withProfile, logger);
  // The first report freezes the baseline; the timings are of steady-state reports.
  const first = await time(() => baselineAnalysis.drift({ model: 'bench' }), 1);
  report = {
    rowsInserted: n,
    insertMs: Math.round(insertMs),
    firstReportMs: first.medianMs,
    driftReportBaseline: await time(() => baselineAnalysis.drift({ model: 'bench' })),
    driftReportProfile: await time(() => profileAnalysis.drift({ model: 'bench' })),
    latencyReport: await time(() => baselineAnalysis.latency({ model: 'bench' })),
    accuracyReport: await time(() => baselineAnalysis.accuracy({ model: 'bench' })),
  };
} finally {
  await db.destroy().catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await pg?.stop();
  if (home) await rm(home, { recursive: true, force: true });
}

const summary = (r) => ({ medianMs: r.medianMs, maxMs: r.maxMs });
const result = {
  benchmark: 'drift',
  currentRows: ROWS,
  features: FEATURES.length,
  runs: RUNS,
  detectDrift: Object.fromEntries(Object.entries(pure).map(([k, v]) => [k, summary(v)])),
  reports: {
    insertMs: report.insertMs,
    firstDriftReportMs: report.firstReportMs,
    driftReportBaseline: summary(report.driftReportBaseline),
    driftReportProfile: summary(report.driftReportProfile),
    latencyReport: summary(report.latencyReport),
    accuracyReport: summary(report.accuracyReport),
  },
  check: {
    baselineDriftedFeatures: report.driftReportBaseline.result.features.filter((f) => f.drifted).map((f) => `${f.feature}:${f.method}`),
    profileDriftedFeatures: report.driftReportProfile.result.features.filter((f) => f.drifted).map((f) => `${f.feature}:${f.method}`),
    sampleSize: report.driftReportBaseline.result.sampleSize,
  },
  at: new Date().toISOString(),
  node: process.version,
};
await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
await writeFile(join(root, 'ops', 'bench', 'results', 'drift.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`| drift over ${ROWS.toLocaleString('en')} predictions × ${FEATURES.length} features (${RUNS} runs) | median | max |`);
console.log('| --- | --- | --- |');
const rowOf = (label, r) => console.log(`| ${label} | ${r.medianMs} ms | ${r.maxMs} ms |`);
rowOf(`detectDrift, ${BASELINE}-row baseline (KS, Bonferroni)`, pure.ksBaseline);
rowOf('detectDrift, reference profile (normed Wasserstein)', pure.wassersteinProfile);
rowOf('detectDrift, reference profile (PSI)', pure.psiProfile);
rowOf('driftReport from PostgreSQL, baseline reference', report.driftReportBaseline);
rowOf('driftReport from PostgreSQL, profile reference', report.driftReportProfile);
rowOf('latencyReport (p50/p95/p99 in SQL)', report.latencyReport);
rowOf('accuracyReport (10 % labelled)', report.accuracyReport);
console.log(
  `drifted (baseline): ${result.check.baselineDriftedFeatures.join(', ')}; (profile): ${result.check.profileDriftedFeatures.join(', ')}`,
);
