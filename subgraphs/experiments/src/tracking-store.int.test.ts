import { createLogger, PgPubSub, RUN_UPDATED, type RunUpdatedEvent } from '@modelplane/core';
import type { DataSource } from 'typeorm';
import { createTestDatabase, migratedTestDataSource, type TestDatabase } from '../../../tests/support/database';
import { RunStatus, RunTrigger, type Run } from './entities/run.entity';
import { experimentsSubgraph } from './index';
import { ComparisonOperator, RunOrderField, SortDirection, type RunFilter } from './run-query';
import { RunStore, type NewRun } from './tracking-store';

const logger = createLogger('test', 'silent');
const defaults = { minImprovement: 0.005 };
const MODEL = 'churn';

describe('experiments tracking store (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let db: DataSource;
  let store: RunStore;
  let pubSub: PgPubSub;

  const external = (over: Partial<NewRun> = {}): NewRun => ({
    model: MODEL,
    trigger: RunTrigger.EXTERNAL,
    status: RunStatus.RUNNING,
    managed: false,
    createdBy: 'test',
    ...over,
  });
  const create = async (over: Partial<NewRun> = {}) => (await db.transaction((em) => store.createRun(external(over), defaults, em))).run;
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { extensions?: { code?: string } }) => err.extensions?.code,
    );

  beforeAll(async () => {
    testDb = await createTestDatabase('experiments_store');
    db = await migratedTestDataSource(testDb.url, experimentsSubgraph);
    store = new RunStore(db);
    pubSub = new PgPubSub({ url: testDb.url, logger });
    await pubSub.start();
  });

  afterAll(async () => {
    await pubSub?.close();
    await db?.destroy();
    await testDb?.drop();
  });

  it('creates one experiment per model and returns the same run for a repeated idempotency key', async () => {
    const first = await db.transaction((em) => store.createRun(external({ idempotencyKey: 'k1' }), defaults, em));
    const again = await db.transaction((em) => store.createRun(external({ idempotencyKey: 'k1', reason: 'other' }), defaults, em));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, run: { id: first.run.id } });
    const other = await db.transaction((em) => store.createRun(external({ idempotencyKey: 'k1', model: 'other-model' }), defaults, em));
    expect(other.created).toBe(true);
    const experiments = (await db.query('SELECT model FROM experiments.experiment ORDER BY model')) as Array<{ model: string }>;
    expect(experiments.map((e) => e.model)).toEqual([MODEL, 'other-model']);
  });

  it('keeps params immutable once logged, as MLflow does', async () => {
    const run = await create();
    await store.logParams(run.id, [
      { key: 'lr', value: '0.1' },
      { key: 'depth', value: '3' },
    ]);
    await expect(store.logParams(run.id, [{ key: 'lr', value: '0.1' }])).resolves.toMatchObject({ params: { lr: '0.1', depth: '3' } });
    expect(await codeOf(store.logParams(run.id, [{ key: 'lr', value: '0.2' }]))).toBe('CONFLICT');
    expect((await store.require(run.id)).params).toEqual({ lr: '0.1', depth: '3' });
  });

  it('logs metric batches as histories and keeps the latest value (highest step) per key', async () => {
    const run = await create();
    await store.logMetrics(run.id, [
      { key: 'loss', value: 0.9, step: 0 },
      { key: 'loss', value: 0.5, step: 2 },
      { key: 'loss', value: 0.7, step: 1 },
      { key: 'auc', value: 0.6 },
    ]);
    await store.logMetrics(run.id, [{ key: 'auc', value: 0.65, step: 1 }]);
    const history = await store.metricHistory(run.id, 'loss');
    expect(history.map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [2, 0.5],
    ]);
    const latest = (await store.require(run.id)).latestMetrics;
    expect(latest.loss).toMatchObject({ value: 0.5, step: 2 });
    expect(latest.auc).toMatchObject({ value: 0.65, step: 1 });
    expect(await codeOf(store.logMetrics(run.id, [{ key: 'x', value: Number.NaN }]))).toBe('BAD_USER_INPUT');
    expect(await codeOf(store.logMetrics(run.id, [{ key: 'x', value: 1, step: -1 }]))).toBe('BAD_USER_INPUT');
  });

  it('announces logged metrics to runUpdated subscribers on every replica', async () => {
    const run = await create();
    const events = pubSub.subscribe(RUN_UPDATED, run.id);
    await store.logMetrics(run.id, [{ key: 'auc', value: 0.7 }]);
    const { value } = (await events.next()) as IteratorResult<RunUpdatedEvent>;
    expect(value).toEqual({ id: run.id, model: MODEL, status: 'RUNNING', progress: 0 });
    await events.return?.();
  });

  describe('search', () => {
    const model = 'search-model';
    let r1: Run, r2: Run, r3: Run, r4: Run;

    beforeAll(async () => {
      const make = async (params: Record<string, string>, auc: number | null, status: RunStatus | null) => {
        const run = await create({ model, params });
        if (auc !== null) await store.logMetrics(run.id, [{ key: 'roc_auc', value: auc }]);
        if (status) await store.finishExternal(run.id, status, null);
        await new Promise((r) => setTimeout(r, 5));
        return store.require(run.id);
      };
      r1 = await make({ trainer: 'lr', learningRate: '0.1' }, 0.7, RunStatus.SUCCEEDED);
      r2 = await make({ trainer: 'gb', learningRate: '0.05' }, 0.8, RunStatus.SUCCEEDED);
      r3 = await make({ trainer: 'gb', learningRate: '0.01' }, 0.6, RunStatus.FAILED);
      r4 = await make({ trainer: 'lr', learningRate: 'auto' }, null, null);
    });

    const ids = async (filter?: RunFilter, extra: Record<string, unknown> = {}) =>
      (await store.search({ model, filter, first: 50, ...extra })).map((r) => r.id);

    it('lists newest first by default', async () => {
      expect(await ids()).toEqual([r4.id, r3.id, r2.id, r1.id]);
    });

    it('ANDs the conditions of one filter', async () => {
      expect(await ids({ params: [{ key: 'trainer', op: ComparisonOperator.EQ, value: 'lr' }], status: [RunStatus.SUCCEEDED] })).toEqual([
        r1.id,
      ]);
    });

    it('ORs the filters in `or`: failed runs or runs with ROC AUC above 0.75', async () => {
      const filter: RunFilter = {
        or: [{ status: [RunStatus.FAILED] }, { metrics: [{ key: 'roc_auc', op: ComparisonOperator.GT, value: 0.75 }] }],
      };
      expect(await ids(filter)).toEqual([r3.id, r2.id]);
    });

    it('combines AND, OR and NOT', async () => {
      const filter: RunFilter = {
        trigger: [RunTrigger.EXTERNAL],
        and: [{ or: [{ params: [{ key: 'trainer', op: ComparisonOperator.EQ, value: 'gb' }] }, { status: [RunStatus.RUNNING] }] }],
        not: { metrics: [{ key: 'roc_auc', op: ComparisonOperator.LT, value: 0.65 }] },
      };
      expect(await ids(filter)).toEqual([r4.id, r2.id]);
    });

    it('compares numeric params numerically and skips values that are not numbers', async () => {
      expect(await ids({ params: [{ key: 'learningRate', op: ComparisonOperator.GTE, value: '0.05' }] })).toEqual([r2.id, r1.id]);
      expect(await ids({ params: [{ key: 'learningRate', op: ComparisonOperator.NEQ, value: 'auto' }] })).toEqual([r3.id, r2.id, r1.id]);
    });

    it('orders by a metric (missing values last) and pages with `after`', async () => {
      const orderBy = [{ metric: 'roc_auc', direction: SortDirection.DESC }];
      expect(await ids(undefined, { orderBy })).toEqual([r2.id, r1.id, r3.id, r4.id]);
      expect(await ids(undefined, { orderBy, first: 2 })).toEqual([r2.id, r1.id]);
      expect(await ids(undefined, { orderBy, first: 2, after: r1.id })).toEqual([r3.id, r4.id]);
      expect(await ids(undefined, { orderBy, after: r4.id })).toEqual([]);
      const byParam = await ids(undefined, {
        orderBy: [
          { param: 'trainer', direction: SortDirection.ASC },
          { field: RunOrderField.CREATED_AT, direction: SortDirection.ASC },
        ],
      });
      expect(byParam).toEqual([r2.id, r3.id, r1.id, r4.id]);
    });

    it('rejects malformed filters with BAD_USER_INPUT', async () => {
      const search = (filter: RunFilter, extra: Record<string, unknown> = {}) =>
        codeOf(store.search({ model, filter, first: 10, ...extra }));
      expect(await search({ params: [{ key: 'learningRate', op: ComparisonOperator.GT, value: 'fast' }] })).toBe('BAD_USER_INPUT');
      expect(await search({ or: [] })).toBe('BAD_USER_INPUT');
      let deep: RunFilter = { status: [RunStatus.FAILED] };
      for (let i = 0; i < 8; i++) deep = { and: [deep] };
      expect(await search(deep)).toBe('BAD_USER_INPUT');
      expect(await search({}, { after: '00000000-0000-0000-0000-000000000000' })).toBe('BAD_USER_INPUT');
      expect(await search({}, { first: 0 })).toBe('BAD_USER_INPUT');
      expect(await codeOf(store.search({ model, first: 10, orderBy: [{ metric: 'a', param: 'b', direction: SortDirection.ASC }] }))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('treats keys and values as data, never as SQL', async () => {
      expect(await ids({ params: [{ key: "trainer' OR '1'='1", op: ComparisonOperator.EQ, value: "x' OR '1'='1" }] })).toEqual([]);
    });
  });

  describe('cancel', () => {
    it('cancels a queued run once and refuses finished runs and runs that registered a version', async () => {
      const queued = await create({ status: RunStatus.QUEUED, managed: true });
      const cancelled = await store.cancel(queued.id, 'not needed');
      expect(cancelled).toMatchObject({ changed: true, run: { status: 'CANCELLED', error: 'cancelled: not needed' } });
      expect(cancelled.run.finishedAt).toBeInstanceOf(Date);
      expect((await store.cancel(queued.id, null)).changed).toBe(false);

      const done = await create();
      await store.finishExternal(done.id, RunStatus.SUCCEEDED, null);
      expect(await codeOf(store.cancel(done.id, null))).toBe('CONFLICT');

      const registered = await create({ status: RunStatus.RUNNING, managed: true });
      await db.query(`UPDATE experiments.run SET produced_version = 3, produced_version_id = gen_random_uuid() WHERE id = $1`, [
        registered.id,
      ]);
      expect(await codeOf(store.cancel(registered.id, null))).toBe('CONFLICT');
      expect(await codeOf(store.cancel('not-a-uuid', null))).toBe('NOT_FOUND');
    });

    it('refuses logged values on runs that a training job executes', async () => {
      const managed = await create({ status: RunStatus.QUEUED, managed: true });
      expect(await codeOf(store.logParams(managed.id, [{ key: 'a', value: 'b' }]))).toBe('CONFLICT');
      expect(await codeOf(store.logMetrics(managed.id, [{ key: 'a', value: 1 }]))).toBe('CONFLICT');
      expect(await codeOf(store.finishExternal(managed.id, RunStatus.SUCCEEDED, null))).toBe('CONFLICT');
    });
  });
});
