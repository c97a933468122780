import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  GradientBoostingClassifier,
  LogisticRegression,
  RAIN_TOMORROW_FEATURE_NAMES,
  computeReferenceProfile,
  datasetDigest,
  loadRainTomorrowDataset,
  loadRainTomorrowSplit,
  toMatrix,
} from '@modelplane/ml';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/global-setup';
import {
  gql,
  signedConnectionParams,
  signedHeaders,
  startPlatform,
  startService,
  TEST_ADMIN_KEY,
  type GraphQLResponse,
  type Platform,
  type ServiceProcess,
} from '../support/processes';
import { until as waitUntil } from '../support/wait';

/**
 * The experiments subgraph through the gateway, on the compiled platform: the first-start demo
 * model, retraining as a durable job with live progress, the promotion gate, idempotency,
 * cancellation, run filters, lineage on ModelVersion, and a worker process killed mid-run.
 * Served predictions are compared with the trainers run here, not with the service's numbers.
 */
const split = loadRainTomorrowSplit('Seattle');
const testRows = split.test.rows.map((r) => Object.fromEntries(RAIN_TOMORROW_FEATURE_NAMES.map((f, i) => [f, r.features[i]])));
const testX = toMatrix(split.test.rows).X;
const trainXY = toMatrix(split.train.rows);
// Slow enough to watch (and to cancel or kill mid-run): 20 cross-validation fits of deep trees.
const SLOW = { trainer: 'gradient-boosting', search: { space: { maxDepth: [4, 5], rounds: [400, 500] }, folds: 5 } };
const RAIN_MODEL_INPUT = (name: string) => ({
  name,
  task: 'BINARY_CLASSIFICATION',
  features: RAIN_TOMORROW_FEATURE_NAMES.map((f) => ({ name: f, type: 'NUMERIC' })),
  labels: ['dry', 'rain'],
});

const TRIGGER = `mutation($model: String!, $reason: String, $params: JSONObject, $key: String, $trigger: RunTrigger, $alertId: ID) {
  triggerRetraining(model: $model, reason: $reason, params: $params, idempotencyKey: $key, trigger: $trigger, alertId: $alertId) { id status }
}`;
const RUN = `query Run($id: ID!) {
  run(id: $id) {
    id status trigger progress attempt error
    params { key value }
    metrics { key value step }
    dataset { name digest rows }
    producedVersion { version status }
    promotion { promoted reason productionVersion productionRocAuc candidateRocAuc }
    logs { level message }
  }
}`;
const PREDICT_BATCH = `query($model: String!, $rows: [JSONObject!]!, $version: Int) {
  predictBatch(model: $model, rows: $rows, version: $version) { label score modelVersion { version } }
}`;

interface RunData {
  id: string;
  status: string;
  trigger: string;
  progress: number;
  attempt: number;
  error: string | null;
  params: Array<{ key: string; value: string }>;
  metrics: Array<{ key: string; value: number; step: number }>;
  dataset: { name: string; digest: string; rows: number } | null;
  producedVersion: { version: number; status: string } | null;
  promotion: {
    promoted: boolean;
    reason: string;
    productionVersion: number | null;
    productionRocAuc: number | null;
    candidateRocAuc: number;
  } | null;
  logs: Array<{ level: string; message: string }>;
}

function ok<T>(res: GraphQLResponse<T>): T {
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

const until = <T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20000) => waitUntil(what, probe, timeoutMs);

const metric = (run: RunData, key: string) => run.metrics.find((m) => m.key === key)?.value;
const param = (run: RunData, key: string) => run.params.find((p) => p.key === key)?.value;

describe('experiments, training and retraining through the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;
  const clients: Client[] = [];
  const run = async (id: string) => ok(await gql<{ run: RunData }>(platform.url, RUN, { id })).run;
  const trigger = async (variables: Record<string, unknown>) =>
    ok(await gql<{ triggerRetraining: { id: string; status: string } }>(platform.url, TRIGGER, { model: 'seattle-rain', ...variables }))
      .triggerRetraining;
  const finished = (id: string, timeoutMs = 20000) =>
    until(
      `run ${id} to finish`,
      async () => {
        const r = await run(id);
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status) && r;
      },
      timeoutMs,
    );

  beforeAll(async () => {
    db = await createTestDatabase('e2e_experiments');
    platform = await startPlatform(db.url, undefined, { BOOTSTRAP_DEMO_MODEL: 'true', PREDICTION_LOG_FLUSH_MS: '50' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await platform?.stop();
    await db?.drop();
  });

  it('first start trains and promotes seattle-rain v1, which serves the trainer’s own predictions', async () => {
    await until('seattle-rain v1 in production', async () => {
      const res = await gql<{ model: { productionVersion: { version: number } | null } | null }>(
        platform.url,
        '{ model(name: "seattle-rain") { productionVersion { version } } }',
      );
      return res.data?.model?.productionVersion?.version === 1;
    });
    const served = ok(
      await gql<{ predictBatch: Array<{ label: string; score: number; modelVersion: { version: number } }> }>(platform.url, PREDICT_BATCH, {
        model: 'seattle-rain',
        rows: testRows,
      }),
    ).predictBatch;
    const expected = new LogisticRegression().fit(trainXY.X, trainXY.y).predictProba(testX);
    expect(served).toHaveLength(expected.length);
    served.forEach((p, i) => {
      expect(Math.abs(p.score - expected[i]!)).toBeLessThan(1e-9);
      expect(p.label).toBe(expected[i]! >= 0.5 ? 'rain' : 'dry');
      expect(p.modelVersion.version).toBe(1);
    });

    // The acceptance ModelOverview's experiments half: the production version's metrics and run.
    const overview = ok(
      await gql<{
        model: {
          productionVersion: {
            version: number;
            metrics: Array<{ key: string; value: number }>;
            trainingRun: { id: string; status: string };
          };
        };
      }>(
        platform.url,
        'query($name: String!) { model(name: $name) { productionVersion { version status metrics { key value } trainingRun { id status } } latestRun { id } } }',
        { name: 'seattle-rain' },
      ),
    ).model.productionVersion;
    expect(overview.trainingRun.status).toBe('SUCCEEDED');
    const auc = overview.metrics.find((m) => m.key === 'roc_auc')!.value;
    expect(auc).toBeCloseTo(0.7727, 4);
    expect(overview.metrics.find((m) => m.key === 'baseline_roc_auc')!.value).toBe(0.5);
    const first = await run(overview.trainingRun.id);
    expect(first.dataset).toEqual({ name: 'seattle-weather', digest: datasetDigest(loadRainTomorrowDataset('Seattle')), rows: 1460 });
    expect(first.promotion).toMatchObject({ promoted: true, productionVersion: null });
  });

  it('retrains as a durable job: QUEUED → RUNNING with live progress → SUCCEEDED, a new version serving the trainer’s predictions', async () => {
    const params = { trainer: 'gradient-boosting', search: { space: { maxDepth: [2, 3], rounds: [100, 200] }, folds: 5 } };
    const queued = await trigger({ reason: 'e2e retraining', params });
    expect(queued.status).toBe('QUEUED');

    // Progress straight from the subgraph (graphql-ws on its own /graphql) and through the gateway.
    const events: Record<string, Array<{ status: string; progress: number }>> = { subgraph: [], gateway: [] };
    const done: Record<string, Promise<void>> = {};
    for (const [where, port] of [
      ['subgraph', platform.ports.EXPERIMENTS_PORT],
      ['gateway', platform.ports.PORT],
    ] as const) {
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        // The subgraph takes a signed identity (as from the gateway); the gateway an API key.
        connectionParams: where === 'subgraph' ? signedConnectionParams() : { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      clients.push(client);
      done[where] = new Promise<void>((resolve, reject) => {
        client.subscribe<{ runUpdated: { id: string; status: string; progress: number } }>(
          { query: 'subscription RunUpdated($id: ID!) { runUpdated(id: $id) { id status progress } }', variables: { id: queued.id } },
          {
            next: (e) => {
              if (e.errors) return reject(new Error(JSON.stringify(e.errors)));
              events[where]!.push(e.data!.runUpdated);
              if (e.data!.runUpdated.status === 'SUCCEEDED') resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        );
      });
    }
    const finalRun = await finished(queued.id);
    expect(finalRun.status).toBe('SUCCEEDED');
    await Promise.race([Promise.all(Object.values(done)), new Promise((r) => setTimeout(r, 3000))]);
    const seen = events.subgraph!;
    expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
    const running = seen.filter((e) => e.status === 'RUNNING');
    expect(running.length).toBeGreaterThan(2);
    expect(running.some((e) => e.progress > 0.05 && e.progress < 0.9)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
    expect(events.gateway!.at(-1)).toMatchObject({ id: queued.id, status: 'SUCCEEDED', progress: 1 });

    expect(finalRun).toMatchObject({ trigger: 'MANUAL', progress: 1, attempt: 1, producedVersion: { version: 2 } });
    expect(finalRun.dataset?.digest).toBe(datasetDigest(loadRainTomorrowDataset('Seattle')));
    expect(metric(finalRun, 'roc_auc')).toBeGreaterThan(0.75);
    expect(metric(finalRun, 'baseline_roc_auc')).toBe(0.5);
    expect(finalRun.metrics.find((m) => m.key === 'train_loss')!.step).toBeGreaterThan(1);

    // The version serves what the trainer, refitted here with the run's logged parameters, predicts.
    const hyper = Object.fromEntries(
      ['rounds', 'maxDepth', 'learningRate', 'minSamplesLeaf', 'subsample', 'seed', 'l2', 'maxBins', 'minGain'].map((k) => [
        k,
        JSON.parse(param(finalRun, k)!),
      ]),
    );
    const expected = new GradientBoostingClassifier().fit(trainXY.X, trainXY.y, hyper).predictProba(testX);
    const served = ok(
      await gql<{ predictBatch: Array<{ label: string; score: number }> }>(platform.url, PREDICT_BATCH, {
        model: 'seattle-rain',
        rows: testRows,
        version: 2,
      }),
    ).predictBatch;
    served.forEach((p, i) => {
      expect(Math.abs(p.score - expected[i]!)).toBeLessThan(1e-6);
      expect(p.label).toBe(expected[i]! >= 0.5 ? 'rain' : 'dry');
    });

    // The promotion decision: on the run, and as a model event with its reason.
    expect(finalRun.promotion).toMatchObject({ productionVersion: 1 });
    expect(finalRun.promotion!.productionRocAuc).toBeCloseTo(0.7727, 4);
    const events2 = ok(
      await gql<{ model: { events: Array<{ kind: string; alias: string; toVersion: number; reason: string }> } }>(
        platform.url,
        '{ model(name: "seattle-rain") { events { kind alias toVersion reason } } }',
      ),
    ).model.events;
    const decision = events2.find((e) => e.toVersion === 2 && (e.kind === 'PROMOTED' || e.alias === 'challenger'));
    expect(decision?.reason).toContain(queued.id);
    expect(decision?.kind).toBe(finalRun.promotion!.promoted ? 'PROMOTED' : 'ALIAS_SET');
  });

  it('answers bad requests with a coded error and queues nothing', async () => {
    const before = ok(await gql<{ runs: unknown[] }>(platform.url, '{ runs(model: "seattle-rain", first: 500) { id } }')).runs.length;
    const bad = async (variables: Record<string, unknown>) =>
      (await gql(platform.url, TRIGGER, { model: 'seattle-rain', ...variables })).errors?.[0]?.extensions?.code;
    expect(await bad({ params: { trainer: 'gradient-boosting', maxDepth: 0 } })).toBe('BAD_USER_INPUT');
    expect(await bad({ params: { epochs: 3 } })).toBe('BAD_USER_INPUT');
    expect(await bad({ key: 'not a key!' })).toBe('BAD_USER_INPUT');
    expect(await bad({ model: 'no-such-model' })).toBe('NOT_FOUND');
    expect((await gql(platform.url, '{ runs(model: "seattle-rain", first: 5, after: "nope") { id } }')).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      (await gql(platform.url, 'mutation { cancelRun(id: "00000000-0000-4000-8000-000000000000") { id } }')).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');
    expect(ok(await gql<{ runs: unknown[] }>(platform.url, '{ runs(model: "seattle-rain", first: 500) { id } }')).runs).toHaveLength(
      before,
    );
  });

  it('returns the same run for a repeated idempotency key, and cancels a running run without a version', async () => {
    const a = await trigger({ key: 'e2e-key', params: SLOW, trigger: 'DRIFT', alertId: 'alert-e2e' });
    const b = await trigger({ key: 'e2e-key', reason: 'retry of the same request' });
    expect(b.id).toBe(a.id);

    await until('the slow run to be training', async () => {
      const r = await run(a.id);
      return r.status === 'RUNNING' && r.progress > 0.06;
    });
    const cancelled = ok(
      await gql<{ cancelRun: { status: string } }>(platform.url, 'mutation($id: ID!) { cancelRun(id: $id, reason: "e2e") { status } }', {
        id: a.id,
      }),
    );
    expect(cancelled.cancelRun.status).toBe('CANCELLED');
    // The worker drops the training and takes the next job.
    const next = await trigger({ params: { trainer: 'logistic-regression', l2: 0.01 } });
    expect((await finished(next.id)).status).toBe('SUCCEEDED');
    const after = await run(a.id);
    expect(after).toMatchObject({ status: 'CANCELLED', producedVersion: null });
    const alert = ok(
      await gql<{ _entities: Array<{ triggeredRun: { id: string; trigger: string } }> }>(
        `http://127.0.0.1:${platform.ports.EXPERIMENTS_PORT}/graphql`,
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Alert { triggeredRun { id trigger } } } }',
        { r: [{ __typename: 'Alert', id: 'alert-e2e' }] },
      ),
    )._entities[0];
    expect(alert?.triggeredRun).toEqual({ id: a.id, trigger: 'DRIFT' });
  });

  it('filters runs with OR, compares them, and serves the reference profile monitoring reads', async () => {
    const res = ok(
      await gql<{ runs: Array<{ id: string; status: string; metrics: Array<{ key: string; value: number }> }> }>(
        platform.url,
        `query($model: String!) { runs(model: $model, first: 20, filter: { or: [{ status: [CANCELLED] }, { metrics: [{ key: "roc_auc", op: GT, value: 0.775 }] }] }) {
        id status metrics { key value } } }`,
        { model: 'seattle-rain' },
      ),
    );
    expect(res.runs.length).toBeGreaterThanOrEqual(2);
    for (const r of res.runs) expect(r.status === 'CANCELLED' || r.metrics.find((m) => m.key === 'roc_auc')!.value > 0.775).toBe(true);
    expect(res.runs.some((r) => r.status === 'CANCELLED')).toBe(true);

    const all = ok(
      await gql<{ runs: Array<{ id: string }> }>(
        platform.url,
        '{ runs(model: "seattle-rain", first: 2, filter: { status: [SUCCEEDED] }) { id } }',
      ),
    ).runs;
    const compared = ok(
      await gql<{
        compareRuns: {
          metrics: Array<{ key: string; values: Array<number | null>; bestRunId: string }>;
          params: Array<{ key: string; differs: boolean }>;
        };
      }>(platform.url, 'query($ids: [ID!]!) { compareRuns(ids: $ids) { metrics { key values bestRunId } params { key differs } } }', {
        ids: all.map((r) => r.id),
      }),
    ).compareRuns;
    expect(compared.metrics.find((m) => m.key === 'roc_auc')!.values).toHaveLength(2);
    expect(compared.params.find((p) => p.key === 'trainer')).toBeDefined();

    const profile = ok(
      await gql<{ referenceProfile: unknown }>(platform.url, '{ referenceProfile(model: "seattle-rain", version: 1) }'),
    ).referenceProfile;
    expect(profile).toEqual(
      JSON.parse(JSON.stringify(computeReferenceProfile(split.train.rows, RAIN_TOMORROW_FEATURE_NAMES, { seed: 42 }))),
    );
    expect(
      ok(await gql<{ referenceProfile: unknown }>(platform.url, '{ referenceProfile(model: "seattle-rain", version: 99) }'))
        .referenceProfile,
    ).toBeNull();
  });

  it('tracks an external trainer like MLflow, with lineage to the version it registers', async () => {
    const started = ok(
      await gql<{ startRun: { id: string; status: string; trigger: string } }>(
        platform.url,
        'mutation { startRun(input: { model: "seattle-rain", params: [{ key: "framework", value: "sklearn" }], seed: 7 }) { id status trigger } }',
      ),
    ).startRun;
    expect(started).toMatchObject({ status: 'RUNNING', trigger: 'EXTERNAL' });
    ok(
      await gql(
        platform.url,
        'mutation($id: ID!) { logMetrics(runId: $id, metrics: [{ key: "roc_auc", value: 0.71 }, { key: "loss", value: 0.9, step: 1 }, { key: "loss", value: 0.6, step: 2 }]) { id } }',
        {
          id: started.id,
        },
      ),
    );
    const conflict = await gql(
      platform.url,
      'mutation($id: ID!) { logParams(runId: $id, params: [{ key: "framework", value: "xgboost" }]) { id } }',
      { id: started.id },
    );
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    ok(await gql(platform.url, 'mutation($id: ID!) { finishRun(runId: $id) { status } }', { id: started.id }));
    // Register the demo model's own artifact again, as an "external" version with this run as its lineage.
    const digest = ok(
      await gql<{ model: { productionVersion: { digest: string } } }>(
        platform.url,
        '{ model(name: "seattle-rain") { productionVersion { digest } } }',
      ),
    ).model.productionVersion.digest;
    const registryBase = `http://127.0.0.1:${platform.ports.REGISTRY_PORT}`;
    const bytes = Buffer.from(await (await fetch(`${registryBase}/artifacts/${digest}`, { headers: signedHeaders() })).arrayBuffer());
    const created = ok(
      await gql<{ createModelVersion: { version: number } }>(
        platform.url,
        'mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { version } }',
        { input: { model: 'seattle-rain', onnxBase64: bytes.toString('base64'), runId: started.id } },
      ),
    ).createModelVersion;
    const lineage = ok(
      await gql<{ modelVersion: { trainingRun: { id: string; status: string }; metrics: Array<{ key: string; value: number }> } }>(
        platform.url,
        'query($v: Int!) { modelVersion(model: "seattle-rain", version: $v) { trainingRun { id status } metrics { key value } } }',
        { v: created.version },
      ),
    ).modelVersion;
    expect(lineage.trainingRun).toEqual({ id: started.id, status: 'SUCCEEDED' });
    expect(lineage.metrics).toEqual([
      { key: 'loss', value: 0.6 },
      { key: 'roc_auc', value: 0.71 },
    ]);
  });
});

describe('a training worker process killed mid-run', () => {
  let db: TestDatabase;
  let platform: Platform;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_experiments_worker');
    platform = await startPlatform(db.url, undefined, { TRAINING_WORKER: 'off', TRAINING_HEARTBEAT_TIMEOUT_SECONDS: '2' });
  });

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    await platform?.stop();
    await db?.drop();
  });

  const startWorker = async () => {
    const worker = await startService(
      'worker',
      {
        DATABASE_URL: db.url,
        REGISTRY_URL: `http://127.0.0.1:${platform.ports.REGISTRY_PORT}/graphql`,
        PREDICTION_URL: `http://127.0.0.1:${platform.ports.PREDICTION_PORT}/graphql`,
        TRAINING_HEARTBEAT_TIMEOUT_SECONDS: '2',
        WORKER_PORT: String(await freePort()),
      },
      'WORKER_PORT',
    );
    workers.push(worker);
    return worker;
  };

  it('retries the job on another worker and registers exactly one version', async () => {
    ok(
      await gql(platform.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
        i: RAIN_MODEL_INPUT('rain-kill'),
      }),
    );
    const first = await startWorker();
    const queued = ok(
      await gql<{ triggerRetraining: { id: string } }>(platform.url, TRIGGER, { model: 'rain-kill', params: SLOW }),
    ).triggerRetraining;
    const status = async () => ok(await gql<{ run: RunData }>(platform.url, RUN, { id: queued.id })).run;
    await until('the worker to be training', async () => {
      const r = await status();
      return r.status === 'RUNNING' && r.progress > 0.06 && r;
    });
    first.child.kill('SIGKILL');
    await first.stop('SIGKILL');
    await startWorker();
    const done = await until(
      'the retried run to finish',
      async () => {
        const r = await status();
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status) && r;
      },
      40000,
    );
    expect(done).toMatchObject({ status: 'SUCCEEDED', producedVersion: { version: 1, status: 'PRODUCTION' } });
    expect(done.attempt).toBeGreaterThanOrEqual(2);
    expect(done.logs.map((l) => l.message)).toEqual(expect.arrayContaining([expect.stringMatching(/worker stopped reporting/)]));
    const versions = ok(
      await gql<{ model: { versions: Array<{ version: number; runId: string }> } }>(
        platform.url,
        '{ model(name: "rain-kill") { versions { version runId } } }',
      ),
    ).model.versions;
    expect(versions).toEqual([{ version: 1, runId: queued.id }]);
  });
});
