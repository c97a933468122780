/** @jest-environment ./packages/ml/test-support/onnxruntime-environment.js */
import { createLogger, loadConfig } from '@modelplane/core';
import {
  LogisticRegression,
  RAIN_TOMORROW_FEATURE_NAMES,
  computeReferenceProfile,
  datasetDigest,
  loadRainTomorrowDataset,
  loadRainTomorrowSplit,
  toMatrix,
} from '@modelplane/ml';
import type { DataSource } from 'typeorm';
import { createTestDatabase, migratedTestDataSource, type TestDatabase } from '../../../../tests/support/database';
import { RegistryUnavailableError } from '../clients/registry-client';
import { Run, RunStatus, RunTrigger } from '../entities/run.entity';
import { ExperimentsRuntime } from '../experiments.runtime';
import { experimentsSubgraph as experiments } from '../index';
import { FakePredictionStreams, FakeRegistry } from '../testing/fake-registry';
import { OWN_SIGNATURE, scoreBinaryOnnx } from './onnx-scoring';
import type { RunExecutor } from './run-executor';

const logger = createLogger('test', 'silent');
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  TRAINING_HEARTBEAT_TIMEOUT_SECONDS: '1',
  TRAINING_RETRY_LIMIT: '2',
  SHUTDOWN_TIMEOUT_MS: '2000',
});
const split = loadRainTomorrowSplit('Seattle');

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: { extensions?: { code?: string } }) => err.extensions?.code,
  );

describe('training jobs: durable queue, workers, registration and the promotion gate', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  const registry = new FakeRegistry();
  const predictions = new FakePredictionStreams();
  const runtimes: Array<{ runtime: ExperimentsRuntime; db: DataSource }> = [];

  async function startRuntime(role: string, worker: boolean): Promise<ExperimentsRuntime> {
    const own = await migratedTestDataSource(testDb.url, experiments, { migrate: false, applicationName: `experiments-${role}` });
    const runtime = new ExperimentsRuntime({
      db: own,
      config,
      logger,
      databaseUrl: testDb.url,
      registry,
      predictions,
      service: worker ? 'worker' : 'experiments',
      worker,
      role,
    });
    await runtime.start();
    runtimes.push({ runtime, db: own });
    return runtime;
  }

  async function stopRuntime(runtime: ExperimentsRuntime): Promise<void> {
    const i = runtimes.findIndex((r) => r.runtime === runtime);
    const [entry] = runtimes.splice(i, 1);
    await entry!.runtime.stop();
    await entry!.db.destroy();
  }

  async function waitFor(id: string, done: (run: Run) => boolean, timeoutMs = 20000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await db.getRepository(Run).findOneByOrFail({ id });
      if (done(run)) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} is ${run.status} (${run.error ?? ''}) after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const finished = (run: Run) => [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED].includes(run.status);
  const logsOf = async (id: string) =>
    ((await db.query('SELECT message FROM experiments.run_log WHERE run_id = $1 ORDER BY id', [id])) as Array<{ message: string }>).map(
      (l) => l.message,
    );

  beforeAll(async () => {
    testDb = await createTestDatabase('experiments_training');
    db = await migratedTestDataSource(testDb.url, experiments);
    for (const name of ['rain', 'rain-gate', 'rain-claims', 'rain-kill', 'rain-adopt', 'rain-feedback']) registry.addRainModel(name);
  });

  afterAll(async () => {
    for (const { runtime, db: own } of runtimes.splice(0)) {
      await runtime.stop();
      await own.destroy();
    }
    await db?.destroy();
    await testDb?.drop();
  });

  it('refuses bad requests with a coded error before writing anything', async () => {
    const producer = await startRuntime('producer', false);
    const trigger = (model: string, params: Record<string, unknown> | null = null) =>
      codeOf(producer.trigger({ model, params, trigger: RunTrigger.MANUAL, actor: 'test' }));
    expect(await trigger('rain', { trainer: 'random-forest' })).toBe('BAD_USER_INPUT');
    expect(await trigger('rain', { rounds: 10 })).toBe('BAD_USER_INPUT');
    expect(await trigger('rain', { trainer: 'gradient-boosting', maxDepth: 99 })).toBe('BAD_USER_INPUT');
    expect(await trigger('rain', { search: { space: { maxDepth: [1, 2] } } })).toBe('BAD_USER_INPUT');
    expect(
      await trigger('rain', {
        trainer: 'gradient-boosting',
        search: { space: { maxDepth: [1, 2, 3, 4, 5, 6], rounds: [10, 20, 30, 40, 50] }, folds: 20 },
      }),
    ).toBe('BAD_USER_INPUT');
    expect(await trigger('rain', { dataset: 'no-such-dataset' })).toBe('NOT_FOUND');
    expect(await trigger('nope')).toBe('NOT_FOUND');
    expect(await trigger('bad name!')).toBe('BAD_USER_INPUT');
    const [{ n }] = (await db.query('SELECT count(*)::int AS n FROM experiments.run')) as [{ n: number }];
    expect(n).toBe(0);
    await stopRuntime(producer);
  });

  it('queues at once, then trains, evaluates, registers once and promotes the first version', async () => {
    const worker = await startRuntime('a', true);
    const queued = await worker.trigger({ model: 'rain', reason: 'first', trigger: RunTrigger.MANUAL, actor: 'test' });
    expect(queued.status).toBe(RunStatus.QUEUED);
    const run = await waitFor(queued.id, finished);
    expect(run).toMatchObject({ status: RunStatus.SUCCEEDED, progress: 1, attempt: 1, producedVersion: 1, seed: 42 });
    expect(run.finishedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());

    const versions = registry.versionsOf('rain');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      runId: run.id,
      id: run.producedVersionId,
      datasetDigest: datasetDigest(loadRainTomorrowDataset('Seattle')),
    });
    expect(registry.models.get('rain')!.aliases.get('production')).toBe(1);
    expect(run.promotion).toMatchObject({ promoted: true, productionVersion: null, candidateVersion: 1 });

    // The trainer, run here independently, and the registered ONNX agree on the 2015 rows.
    const { X, y } = toMatrix(split.train.rows);
    const test = toMatrix(split.test.rows);
    const expected = new LogisticRegression().fit(X, y).predictProba(test.X);
    const served = await scoreBinaryOnnx(registry.artifacts.get(versions[0]!.digest)!, test.X, OWN_SIGNATURE);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(served[i]! - expected[i]!)).toBeLessThan(1e-9);

    expect(run.latestMetrics.roc_auc!.value).toBeCloseTo(0.7727, 4);
    expect(run.latestMetrics.baseline_roc_auc!.value).toBe(0.5);
    expect(run.latestMetrics.baseline_accuracy!.value).toBeCloseTo(0.6044, 4);
    expect(run.params).toMatchObject({
      trainer: 'logistic-regression',
      dataset: 'seattle-weather',
      train_rows: '1095',
      test_rows: '364',
      l2: '0.0001',
    });
    const history = (await db.query(`SELECT step FROM experiments.run_metric WHERE run_id = $1 AND key = 'train_loss' ORDER BY step`, [
      run.id,
    ])) as Array<{
      step: string;
    }>;
    expect(history.length).toBeGreaterThan(1);

    const [profile] = (await db.query('SELECT profile FROM experiments.reference_profile WHERE model = $1 AND version = 1', [
      'rain',
    ])) as Array<{
      profile: unknown;
    }>;
    expect(profile!.profile).toEqual(
      JSON.parse(JSON.stringify(computeReferenceProfile(split.train.rows, RAIN_TOMORROW_FEATURE_NAMES, { seed: 42 }))),
    );
    expect(await logsOf(run.id)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^queued/),
        expect.stringMatching(/^registered version 1/),
        expect.stringMatching(/^promotion gate: promoted/),
      ]),
    );
    await stopRuntime(worker);
  });

  it('keeps a version that does not beat production by the margin as a candidate, and records why', async () => {
    const worker = await startRuntime('gate', true);
    const first = await worker.trigger({ model: 'rain-gate', trigger: RunTrigger.MANUAL, actor: 'test' });
    await waitFor(first.id, finished);
    const weak = await worker.trigger({
      model: 'rain-gate',
      params: { trainer: 'gradient-boosting', rounds: 3, maxDepth: 1 },
      trigger: RunTrigger.DRIFT,
      alertId: 'alert-1',
      actor: 'test',
    });
    const run = await waitFor(weak.id, finished);
    expect(run.status).toBe(RunStatus.SUCCEEDED);
    expect(run.promotion).toMatchObject({ promoted: false, candidateVersion: 2, productionVersion: 1 });
    expect(run.promotion!.productionRocAuc).toBeCloseTo(0.7727, 4);
    expect(run.promotion!.reason).toMatch(/not enough improvement/);
    expect(run.tags).toMatchObject({ 'promotion.decision': 'candidate', 'modelplane.alert_id': 'alert-1' });
    expect(run.latestMetrics.roc_auc_gain!.value).toBeLessThan(0.005);
    const model = registry.models.get('rain-gate')!;
    expect(model.aliases.get('production')).toBe(1);
    expect(model.aliases.get('challenger')).toBe(2);
    expect(registry.aliasMoves.at(-1)).toMatchObject({
      alias: 'challenger',
      version: 2,
      reason: expect.stringMatching(/not enough improvement/),
    });
    await stopRuntime(worker);
  });

  it('returns the same run for the same idempotency key, with one job', async () => {
    const producer = await startRuntime('idem', false);
    const a = await producer.trigger({ model: 'rain', idempotencyKey: 'drift-42', trigger: RunTrigger.DRIFT, actor: 'test' });
    const b = await producer.trigger({
      model: 'rain',
      idempotencyKey: 'drift-42',
      trigger: RunTrigger.DRIFT,
      reason: 'again',
      actor: 'test',
    });
    expect(b.id).toBe(a.id);
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE id = $1`, [a.id])) as [{ n: number }];
    expect(n).toBe(1);
    // Cancelled while queued: the job is cancelled too, so no worker ever trains it.
    const cancelled = await producer.cancel(a.id, 'changed my mind');
    expect(cancelled.status).toBe(RunStatus.CANCELLED);
    expect((await producer.queue.job(a.id))?.state).toBe('cancelled');
    await stopRuntime(producer);
  });

  it('gives every job to exactly one of several workers', async () => {
    const a = await startRuntime('claims-a', true);
    const b = await startRuntime('claims-b', true);
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).trigger({
          model: 'rain-claims',
          params: { trainer: 'gradient-boosting', rounds: 20 + i },
          trigger: RunTrigger.SCHEDULE,
          actor: 'test',
        }),
      ),
    );
    const done = await Promise.all(runs.map((r) => waitFor(r.id, finished, 30000)));
    expect(done.map((r) => [r.status, r.attempt])).toEqual(done.map(() => [RunStatus.SUCCEEDED, 1]));
    const byRun = registry.versionsOf('rain-claims').map((v) => v.runId);
    expect(byRun).toHaveLength(6);
    expect(new Set(byRun)).toEqual(new Set(runs.map((r) => r.id)));
    await stopRuntime(a);
    await stopRuntime(b);
  });

  it('hands the run of a worker that stopped heartbeating to another worker: retried, one version', async () => {
    const dead = await startRuntime('dead', true);
    // This worker freezes mid-run: no heartbeats, and its dataset read never returns until released.
    (dead.worker as unknown as { executor: RunExecutor }).executor.heartbeat = async () => undefined;
    let release!: () => void;
    let entered!: () => void;
    const stalled = new Promise<void>((r) => (entered = r));
    predictions.hook = () => {
      predictions.hook = undefined;
      entered();
      return new Promise<void>((r) => (release = r));
    };
    const queued = await dead.trigger({ model: 'rain-kill', trigger: RunTrigger.MANUAL, actor: 'test' });
    await stalled;
    expect((await waitFor(queued.id, (r) => r.status === RunStatus.RUNNING)).attempt).toBe(1);

    const rescuer = await startRuntime('rescuer', true);
    const run = await waitFor(queued.id, finished, 20000);
    expect(run.status).toBe(RunStatus.SUCCEEDED);
    expect(run.attempt).toBeGreaterThanOrEqual(2);
    expect(await logsOf(run.id)).toEqual(expect.arrayContaining([expect.stringMatching(/worker stopped reporting/)]));

    // The frozen worker wakes up: fenced out, it changes nothing and registers nothing.
    release();
    await new Promise((r) => setTimeout(r, 500));
    expect(registry.versionsOf('rain-kill').map((v) => v.runId)).toEqual([run.id]);
    expect((await db.getRepository(Run).findOneByOrFail({ id: run.id })).status).toBe(RunStatus.SUCCEEDED);
    expect(dead.worker!.busy).toBe(0);
    await stopRuntime(dead);
    await stopRuntime(rescuer);
  });

  it('adopts the version an interrupted attempt registered instead of registering a second one', async () => {
    const worker = await startRuntime('adopt', true);
    registry.hooks.createVersion = (runId) => {
      registry.hooks.createVersion = undefined;
      // The registry stored it, but the answer never reached the worker.
      throw new RegistryUnavailableError(`connection reset (run ${runId})`);
    };
    const queued = await worker.trigger({ model: 'rain-adopt', trigger: RunTrigger.MANUAL, actor: 'test' });
    const run = await waitFor(queued.id, finished, 20000);
    expect(run).toMatchObject({ status: RunStatus.SUCCEEDED, attempt: 2, producedVersion: 1 });
    expect(registry.versionsOf('rain-adopt')).toHaveLength(1);
    expect(await logsOf(run.id)).toEqual(
      expect.arrayContaining([expect.stringMatching(/attempt 1 failed: connection reset/), expect.stringMatching(/^adopting version 1/)]),
    );
    await stopRuntime(worker);
  });

  it('adds feedback joined to logged features as new training rows in a new dataset version', async () => {
    const worker = await startRuntime('feedback', true);
    const day = split.test.rows[0]!;
    const features = Object.fromEntries(RAIN_TOMORROW_FEATURE_NAMES.map((f, i) => [f, day.features[i]]));
    predictions.labelled = [
      {
        prediction: { id: 'p1', model: 'rain-feedback', version: 1, shadowOf: null, features, createdAt: '2026-11-20T10:00:00Z' },
        actual: 'rain',
      },
      {
        prediction: { id: 'p2', model: 'rain-feedback', version: 1, shadowOf: null, features, createdAt: '2026-11-21T10:00:00Z' },
        actual: 'dry',
      },
      {
        prediction: { id: 'p3', model: 'rain-feedback', version: 1, shadowOf: null, features, createdAt: '2026-11-21T10:00:00Z' },
        actual: 'snow',
      },
    ];
    const queued = await worker.trigger({ model: 'rain-feedback', trigger: RunTrigger.NEW_DATA, actor: 'test' });
    const run = await waitFor(queued.id, finished);
    predictions.labelled = [];
    expect(run.status).toBe(RunStatus.SUCCEEDED);
    expect(run.params).toMatchObject({ dataset: 'seattle-weather', dataset_version: '2', train_rows: '1097', test_rows: '364' });
    const [dataset] = (await db.query('SELECT row_count, parent_id, source FROM experiments.dataset_version WHERE id = $1', [
      run.datasetVersionId,
    ])) as Array<{
      row_count: number;
      parent_id: string;
      source: string;
    }>;
    expect(dataset).toMatchObject({
      row_count: 1462,
      parent_id: expect.any(String),
      source: expect.stringMatching(/2 labelled predictions/),
    });
    expect(await logsOf(run.id)).toEqual(expect.arrayContaining([expect.stringMatching(/skipped 1 feedback rows/)]));
    await stopRuntime(worker);
  });
});
