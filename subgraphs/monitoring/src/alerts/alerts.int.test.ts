import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraph, createLogger, loadConfig, Metrics, PgPubSub, type SubgraphServices } from '@modelplane/core';
import { computeReferenceProfile, mulberry32 } from '@modelplane/ml';
import { execute, parse, subscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { createTestDatabase, migratedTestDataSource, type TestDatabase } from '../../../../tests/support/database';
import { monitoringSubgraph } from '../index';
import type { MonitoringRuntime } from '../monitoring.runtime';

/**
 * Rules, the evaluator and alert delivery against a real PostgreSQL, with the monitoring schema
 * executed in-process on two "replicas" (each its own pool and LISTEN connection). The registry
 * and experiments subgraphs are a small fake HTTP server speaking their GraphQL.
 */
const logger = createLogger('test', 'silent');
const FEATURES = ['x1', 'x2', 'x3'];

interface FakeModel {
  name: string;
  task: string;
  labels: string[] | null;
  features: Array<{ name: string; type: string; categories: null }>;
  productionVersion: { version: number } | null;
}

class FakeSubgraphs {
  models = new Map<string, FakeModel>();
  profiles = new Map<string, unknown>();
  retrainCalls: Array<Record<string, unknown>> = [];
  retraining: 'missing' | 'ok' = 'missing';
  server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const { query, variables } = JSON.parse(body) as { query: string; variables: Record<string, unknown> };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(this.answer(query, variables)));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  private answer(query: string, variables: Record<string, unknown>): unknown {
    if (query.includes('MonitoredModel')) return { data: { model: this.models.get(variables.name as string) ?? null } };
    if (query.includes('ReferenceProfile')) {
      return { data: { referenceProfile: this.profiles.get(`${String(variables.model)}/${String(variables.version)}`) ?? null } };
    }
    if (query.includes('TriggerRetraining')) {
      this.retrainCalls.push({ query, ...variables });
      if (this.retraining === 'missing') {
        return {
          errors: [
            { message: 'Cannot query field "triggerRetraining" on type "Mutation".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
          ],
        };
      }
      return { data: { triggerRetraining: { id: `run-${String(variables.idempotencyKey)}`, status: 'QUEUED' } } };
    }
    return { errors: [{ message: 'unexpected operation' }] };
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface Replica {
  services: SubgraphServices;
  runtime: MonitoringRuntime;
  schema: GraphQLSchema;
  exec<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<ExecutionResult<T>>;
  close(): Promise<void>;
}

// An admin, as the gateway would forward one (setRetrainPolicy needs that role).
const context = () => ({ requestId: 'test', identity: { subject: 'test-admin', roles: ['admin'] }, logger });

function gaussians(seed: number, n: number, shift: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) + shift);
}

describe('monitoring alerts on PostgreSQL', () => {
  let tdb: TestDatabase;
  const fake = new FakeSubgraphs();
  let a: Replica;
  let b: Replica;
  let seed = 1;

  async function replica(config: ReturnType<typeof loadConfig>, migrate: boolean): Promise<Replica> {
    const db = await migratedTestDataSource(tdb.url, monitoringSubgraph, { migrate });
    const pubSub = new PgPubSub({ url: tdb.url, logger });
    await pubSub.start();
    const services: SubgraphServices = {
      name: 'monitoring',
      config,
      databaseUrl: tdb.url,
      db,
      pubSub,
      logger,
      metrics: new Metrics('monitoring'),
    };
    // Background work (stream consumer, scheduled evaluator) is not started: the tests drive it.
    const runtime = monitoringSubgraph.runtime(services);
    const { schema } = await buildSubgraph(monitoringSubgraph, services, runtime);
    return {
      services,
      runtime,
      schema,
      exec: <T>(query: string, variables?: Record<string, unknown>) =>
        execute({ schema, document: parse(query), variableValues: variables, contextValue: context() }) as Promise<ExecutionResult<T>>,
      close: async () => {
        await pubSub.close();
        await db.destroy();
      },
    };
  }

  /** Logs predictions as the consumer would: `shift` moves x1 and x2 (x3 never moves). */
  async function logPredictions(model: string, version: number, n: number, shift: number, latencyMs = 5): Promise<string[]> {
    const x = [gaussians(seed++, n, shift), gaussians(seed++, n, shift), gaussians(seed++, n, 0)];
    const ids = Array.from({ length: n }, () => randomUUID());
    await a.services.db.query(
      `INSERT INTO monitoring.observation (id, model, version, route, features, label, score, latency_ms, created_at)
       SELECT id, $2, $3, 'PRODUCTION', f, l, s, lat, now() - (n * interval '1 millisecond')
       FROM unnest($1::uuid[], $4::jsonb[], $5::text[], $6::float8[], $7::float8[], $8::int[]) AS t(id, f, l, s, lat, n)`,
      [
        ids,
        model,
        version,
        ids.map((_, i) => JSON.stringify({ x1: x[0]![i], x2: x[1]![i], x3: x[2]![i] })),
        ids.map((_, i) => (x[0]![i]! > 0 ? 'yes' : 'no')),
        ids.map((_, i) => 1 / (1 + Math.exp(-x[0]![i]!))),
        ids.map((_, i) => latencyMs + (i % 10) / 10),
        ids.map((_, i) => n - i),
      ],
    );
    return ids;
  }

  function addModel(name: string, task = 'BINARY_CLASSIFICATION'): void {
    fake.models.set(name, {
      name,
      task,
      labels: task === 'BINARY_CLASSIFICATION' ? ['no', 'yes'] : null,
      features: FEATURES.map((f) => ({ name: f, type: 'NUMERIC', categories: null })),
      productionVersion: { version: 1 },
    });
  }

  beforeAll(async () => {
    tdb = await createTestDatabase('monitoring_alerts');
    await fake.start();
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      GATEWAY_SECRET: 'alerts-int-test-secret-0123456789abcdef',
      REGISTRY_URL: fake.url,
      EXPERIMENTS_URL: fake.url,
      PREDICTION_URL: fake.url,
      MONITORING_BASELINE_ROWS: '50',
      MONITORING_WINDOW_MAX_ROWS: '100',
      MONITORING_ACCURACY_MIN_LABELS: '20',
      MONITORING_EVALUATION_INTERVAL_MS: '60000',
    });
    a = await replica(config, true);
    b = await replica(config, false);
    for (const m of ['churn', 'ratings', 'twin', 'profiled']) addModel(m);
    addModel('prices', 'REGRESSION');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fake.stop();
    await tdb?.drop();
  });

  const CREATE = `mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id kind threshold windowSeconds severity forSeconds enabled model { name } } }`;
  const code = (r: ExecutionResult) => r.errors?.[0]?.extensions?.code;
  const argument = (r: ExecutionResult) => r.errors?.[0]?.extensions?.argument;

  describe('rule validation', () => {
    it('creates a rule with defaults', async () => {
      const res = await a.exec<{ createAlertRule: Record<string, unknown> }>(CREATE, {
        input: { model: 'ratings', kind: 'LATENCY', threshold: 250 },
      });
      expect(res.errors).toBeUndefined();
      expect(res.data?.createAlertRule).toMatchObject({
        kind: 'LATENCY',
        threshold: 250,
        windowSeconds: 3600,
        severity: 'WARNING',
        forSeconds: 0,
        enabled: true,
        model: { name: 'ratings' },
      });
    });

    it.each([
      [{ kind: 'DRIFT', threshold: 1.5 }, 'input.threshold'],
      [{ kind: 'DRIFT', threshold: 0 }, 'input.threshold'],
      [{ kind: 'ACCURACY', threshold: -0.1 }, 'input.threshold'],
      [{ kind: 'ERROR_RATE', threshold: 2 }, 'input.threshold'],
      [{ kind: 'LATENCY', threshold: 0 }, 'input.threshold'],
      [{ kind: 'LATENCY', threshold: 10, windowSeconds: 0 }, 'input.windowSeconds'],
      [{ kind: 'LATENCY', threshold: 10, forSeconds: -5 }, 'input.forSeconds'],
    ])('refuses %j with BAD_USER_INPUT naming %s', async (input, arg) => {
      const res = await a.exec(CREATE, { input: { model: 'ratings', ...input } });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(argument(res)).toBe(arg);
    });

    it('refuses unknown models (NOT_FOUND), bad names and ACCURACY on a regression model', async () => {
      expect(code(await a.exec(CREATE, { input: { model: 'nobody', kind: 'DRIFT', threshold: 0.5 } }))).toBe('NOT_FOUND');
      expect(code(await a.exec(CREATE, { input: { model: 'bad name!', kind: 'DRIFT', threshold: 0.5 } }))).toBe('BAD_USER_INPUT');
      const accuracy = await a.exec(CREATE, { input: { model: 'prices', kind: 'ACCURACY', threshold: 0.5 } });
      expect(code(accuracy)).toBe('BAD_USER_INPUT');
      expect(accuracy.errors?.[0]?.message).toMatch(/regression/);
    });

    it('updates, lists and deletes rules with coded errors for unknown ids', async () => {
      const created = await a.exec<{ createAlertRule: { id: string } }>(CREATE, {
        input: { model: 'ratings', kind: 'DRIFT', threshold: 0.5 },
      });
      const id = created.data!.createAlertRule.id;
      const update = `mutation($id: ID!, $input: UpdateAlertRuleInput!) { updateAlertRule(id: $id, input: $input) { threshold severity enabled forSeconds } }`;
      const updated = await a.exec(update, { id, input: { threshold: 0.75, severity: 'CRITICAL', forSeconds: 120 } });
      expect(updated.data).toEqual({ updateAlertRule: { threshold: 0.75, severity: 'CRITICAL', enabled: true, forSeconds: 120 } });
      expect(argument(await a.exec(update, { id, input: { threshold: 3 } }))).toBe('input.threshold');
      expect(code(await a.exec(update, { id: randomUUID(), input: { threshold: 0.5 } }))).toBe('NOT_FOUND');
      expect(code(await a.exec(update, { id: 'nope', input: { threshold: 0.5 } }))).toBe('BAD_USER_INPUT');
      const list = await a.exec<{ alertRules: Array<{ id: string }> }>(`{ alertRules(model: "ratings") { id kind } }`);
      expect(list.data?.alertRules.map((r) => r.id)).toContain(id);
      expect((await a.exec(`mutation($id: ID!) { deleteAlertRule(id: $id) }`, { id })).data).toEqual({ deleteAlertRule: id });
      expect(code(await a.exec(`mutation($id: ID!) { deleteAlertRule(id: $id) }`, { id }))).toBe('NOT_FOUND');
    });
  });

  describe('alert lifecycle', () => {
    const OPEN = `mutation { evaluateAlertRules(model: "churn") { id kind status value version message } }`;
    type Open = {
      evaluateAlertRules: Array<{ id: string; kind: string; status: string; value: number; version: number; message: string }>;
    };

    it('fires once per rule, delivers to a subscriber on another replica, acknowledges, then resolves when drift clears', async () => {
      await a.exec(CREATE, { input: { model: 'churn', kind: 'DRIFT', threshold: 0.5, severity: 'CRITICAL' } });
      await a.exec(CREATE, { input: { model: 'churn', kind: 'LATENCY', threshold: 1 } });
      // Baseline (first 50 predictions of v1), then drifted traffic on x1 and x2.
      await logPredictions('churn', 1, 50, 0);
      await logPredictions('churn', 1, 100, 2);

      const driftEvents = (await subscribe({
        schema: b.schema,
        document: parse(`subscription { driftAlerts(model: "churn") { id status kind message model { name } } }`),
        contextValue: context(),
      })) as AsyncIterableIterator<ExecutionResult<{ driftAlerts: { id: string; status: string; kind: string; model: { name: string } } }>>;
      const latencyEvents = (await subscribe({
        schema: b.schema,
        document: parse(`subscription { alerts(model: "churn", kinds: [LATENCY]) { id status kind } }`),
        contextValue: context(),
      })) as AsyncIterableIterator<ExecutionResult<{ alerts: { id: string; status: string; kind: string } }>>;

      const before = performance.now();
      const fired = await a.exec<Open>(OPEN);
      const evaluated = performance.now();
      expect(fired.errors).toBeUndefined();
      const byKind = Object.fromEntries(fired.data!.evaluateAlertRules.map((x) => [x.kind, x]));
      expect(byKind.DRIFT).toMatchObject({ status: 'FIRING', version: 1 });
      expect(byKind.DRIFT!.value).toBeCloseTo(2 / 3, 12);
      expect(byKind.DRIFT!.message).toMatch(/^Data drift on churn v1: 2 of 3 features drifted .*: x1, x2$/);
      expect(byKind.LATENCY).toMatchObject({ status: 'FIRING' });

      const drift = await driftEvents.next();
      const delivered = performance.now();
      expect(drift.value.data?.driftAlerts).toEqual({
        id: byKind.DRIFT!.id,
        status: 'FIRING',
        kind: 'DRIFT',
        message: byKind.DRIFT!.message,
        model: { name: 'churn' },
      });
      // Reported by the e2e benchmark too: evaluation call → delivery on another replica.
      console.log(
        `alert delivery: evaluateAlertRules took ${(evaluated - before).toFixed(1)} ms; the subscriber on the other replica had it ${(delivered - before).toFixed(1)} ms after the call started`,
      );
      expect((await latencyEvents.next()).value.data?.alerts).toMatchObject({ id: byKind.LATENCY!.id, status: 'FIRING' });

      // Evaluating again changes nothing: one open alert per rule.
      const again = await a.exec<Open>(OPEN);
      expect(again.data!.evaluateAlertRules.map((x) => x.id).sort()).toEqual(fired.data!.evaluateAlertRules.map((x) => x.id).sort());
      const [{ n }] = await a.services.db.query(`SELECT count(*)::int AS n FROM monitoring.alert WHERE model = 'churn'`);
      expect(n).toBe(2);

      const ack = await a.exec<{ acknowledgeAlert: { status: string; acknowledgedBy: string } }>(
        `mutation($id: ID!) { acknowledgeAlert(id: $id) { status acknowledgedBy acknowledgedAt } }`,
        { id: byKind.DRIFT!.id },
      );
      expect(ack.data?.acknowledgeAlert).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: 'test-admin' });
      expect((await driftEvents.next()).value.data?.driftAlerts).toMatchObject({ status: 'ACKNOWLEDGED' });

      // Normal traffic fills the window (the newest 100 predictions): the drift alert resolves.
      await logPredictions('churn', 1, 100, 0);
      const after = await a.exec<Open>(OPEN);
      expect(after.data!.evaluateAlertRules.map((x) => x.kind)).toEqual(['LATENCY']);
      expect((await driftEvents.next()).value.data?.driftAlerts).toMatchObject({ id: byKind.DRIFT!.id, status: 'RESOLVED' });
      const resolved = await a.exec<{ alert: Record<string, unknown> }>(
        `query($id: ID!) { alert(id: $id) { status resolvedAt resolution rule { kind } } }`,
        {
          id: byKind.DRIFT!.id,
        },
      );
      expect(resolved.data?.alert).toMatchObject({ status: 'RESOLVED', rule: { kind: 'DRIFT' } });
      expect(resolved.data?.alert.resolution).toMatch(/^No data drift on churn v1: 0 of 3/);
      const conflict = await a.exec(`mutation($id: ID!) { acknowledgeAlert(id: $id) { status } }`, { id: byKind.DRIFT!.id });
      expect(code(conflict)).toBe('CONFLICT');

      await driftEvents.return?.();
      await latencyEvents.return?.();

      // The gauges (on either replica: they read the database) show the last pass.
      const metrics = await b.services.metrics.registry.metrics();
      expect(metrics).toMatch(/modelplane_drift_share\{model="churn",service="monitoring"\} 0\n/);
      expect(metrics).toMatch(/modelplane_drift_feature_statistic\{model="churn",feature="x1",method="KS",service="monitoring"\} /);
      expect(metrics).toMatch(/modelplane_alerts_firing\{model="churn",kind="LATENCY",service="monitoring"\} 1\n/);
      expect(metrics).toMatch(/modelplane_alerts_firing\{model="churn",kind="DRIFT",service="monitoring"\} 0\n/);
    });

    it('the database refuses a second open alert for the same rule', async () => {
      const [open] = await a.services.db.query(`SELECT * FROM monitoring.alert WHERE status <> 'RESOLVED' LIMIT 1`);
      await expect(
        a.services.db.query(
          `INSERT INTO monitoring.alert (rule_id, model, kind, severity, threshold, window_seconds, message, fired_at)
           VALUES ($1, 'churn', 'LATENCY', 'WARNING', 1, 3600, 'duplicate', now())`,
          [open.rule_id],
        ),
      ).rejects.toThrow(/alert_one_open_per_rule/);
    });

    it('holds a `for` rule pending until the condition has lasted long enough', async () => {
      const created = await a.exec<{ createAlertRule: { id: string } }>(CREATE, {
        input: { model: 'churn', kind: 'LATENCY', threshold: 2, forSeconds: 3600 },
      });
      const id = created.data!.createAlertRule.id;
      await a.exec(OPEN);
      const rule = await a.exec<{ alertRule: { pendingSince: string | null } }>(
        `query($id: ID!) { alertRule(id: $id) { pendingSince lastValue } }`,
        { id },
      );
      expect(rule.data?.alertRule.pendingSince).not.toBeNull();
      const [{ n }] = await a.services.db.query('SELECT count(*)::int AS n FROM monitoring.alert WHERE rule_id = $1', [id]);
      expect(n).toBe(0);
      await a.exec(`mutation($id: ID!) { deleteAlertRule(id: $id) }`, { id });
    });

    it('reports accuracy from feedback once enough labels exist', async () => {
      const ids = await logPredictions('churn', 1, 40, 0);
      // Label the newest 40: the first 30 as the model predicted, 10 the other way.
      const rows = (await a.services.db.query('SELECT id, label FROM monitoring.observation WHERE id = ANY($1::uuid[])', [ids])) as Array<{
        id: string;
        label: string;
      }>;
      await a.services.db.query(
        `INSERT INTO monitoring.label (prediction_id, model, actual, created_at) SELECT id, 'churn', actual, now() FROM unnest($1::uuid[], $2::text[]) AS t(id, actual)`,
        [rows.map((r) => r.id), rows.map((r, i) => (i < 30 ? r.label : r.label === 'yes' ? 'no' : 'yes'))],
      );
      const res = await a.exec<{
        accuracyReport: { labelled: number; accuracy: number; insufficientData: boolean; positiveLabel: string };
      }>(`{ accuracyReport(model: "churn") { labelled accuracy precision recall f1 insufficientData positiveLabel } }`);
      expect(res.data?.accuracyReport).toMatchObject({ labelled: 40, accuracy: 0.75, insufficientData: false, positiveLabel: 'yes' });
    });
  });

  describe('retrain on drift', () => {
    it('calls triggerRetraining with the alert id, retries after a failure, and respects the minimum interval', async () => {
      await a.exec(CREATE, { input: { model: 'twin', kind: 'DRIFT', threshold: 0.5 } });
      const policy = await a.exec<{ setRetrainPolicy: Record<string, unknown> }>(
        `mutation { setRetrainPolicy(model: "twin", onDrift: true, minIntervalSeconds: 3600) { model onDrift minIntervalSeconds lastTriggeredAt } }`,
      );
      expect(policy.data?.setRetrainPolicy).toMatchObject({
        model: 'twin',
        onDrift: true,
        minIntervalSeconds: 3600,
        lastTriggeredAt: null,
      });
      await logPredictions('twin', 1, 50, 0);
      await logPredictions('twin', 1, 100, 3);
      fake.retraining = 'missing';
      const STATUS = `{ alerts(model: "twin", kind: DRIFT, first: 5) { id status retrainStatus retrainRunId retrainError } }`;
      await a.exec(`mutation { evaluateAlertRules(model: "twin") { id } }`);
      let alerts = (await a.exec<{ alerts: Array<Record<string, unknown>> }>(STATUS)).data!.alerts;
      expect(alerts[0]).toMatchObject({ status: 'FIRING', retrainStatus: 'FAILED', retrainRunId: null });
      expect(alerts[0]!.retrainError).toMatch(/triggerRetraining/);

      // Experiments is back: the next pass requests it once, idempotently keyed by the alert.
      fake.retraining = 'ok';
      fake.retrainCalls = [];
      await a.exec(`mutation { evaluateAlertRules(model: "twin") { id } }`);
      alerts = (await a.exec<{ alerts: Array<Record<string, unknown>> }>(STATUS)).data!.alerts;
      const id = alerts[0]!.id as string;
      expect(alerts[0]).toMatchObject({ retrainStatus: 'REQUESTED', retrainRunId: `run-${id}`, retrainError: null });
      expect(fake.retrainCalls).toHaveLength(1);
      expect(fake.retrainCalls[0]).toMatchObject({ model: 'twin', idempotencyKey: id, alertId: id });
      expect(fake.retrainCalls[0]!.query).toMatch(/trigger: DRIFT/);
      await a.exec(`mutation { evaluateAlertRules(model: "twin") { id } }`);
      expect(fake.retrainCalls).toHaveLength(1);

      // Drift clears, then returns within the hour: the new alert does not retrain again.
      await logPredictions('twin', 1, 100, 0);
      await a.exec(`mutation { evaluateAlertRules(model: "twin") { id } }`);
      await logPredictions('twin', 1, 100, 3);
      await a.exec(`mutation { evaluateAlertRules(model: "twin") { id } }`);
      alerts = (await a.exec<{ alerts: Array<Record<string, unknown>> }>(STATUS)).data!.alerts;
      expect(alerts[0]).toMatchObject({ status: 'FIRING', retrainStatus: 'SKIPPED' });
      expect(alerts[1]).toMatchObject({ status: 'RESOLVED', retrainStatus: 'REQUESTED' });
      expect(fake.retrainCalls).toHaveLength(1);
    });
  });

  describe('evaluator across replicas', () => {
    it('runs one scheduled pass when two replicas tick together, and none again within the interval', async () => {
      await a.services.db.query(`DELETE FROM monitoring.evaluation_pass`);
      const [ra, rb] = [a.runtime, b.runtime];
      const results = await Promise.all([ra.evaluator.runScheduled(), rb.evaluator.runScheduled()]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const again = await Promise.all([ra.evaluator.runScheduled(), rb.evaluator.runScheduled()]);
      expect(again).toEqual([null, null]);
      const passes = await a.services.db.query(`SELECT trigger, finished_at IS NOT NULL AS done FROM monitoring.evaluation_pass`);
      expect(passes).toEqual([{ trigger: 'SCHEDULED', done: true }]);
    });
  });

  describe('drift reference', () => {
    it("uses the version's reference profile from experiments when there is one", async () => {
      const training = gaussians(900, 3000, 0).map((v, i) => [v, gaussians(901 + (i % 7), 1, 0)[0]!, gaussians(950 + i, 1, 0)[0]!]);
      fake.profiles.set('profiled/1', JSON.parse(JSON.stringify(computeReferenceProfile(training, FEATURES, { sampleSize: 1000 }))));
      await logPredictions('profiled', 1, 200, 0);
      const res = await a.exec<{ driftReport: { reference: string; referenceSize: number; features: Array<{ method: string }> } }>(
        `{ driftReport(model: "profiled") { reference referenceSize sampleSize drifted features { feature method drifted } prediction { method } } }`,
      );
      expect(res.data?.driftReport).toMatchObject({ reference: 'PROFILE', referenceSize: 3000, sampleSize: 100 });
      expect(res.data?.driftReport.features.map((f) => f.method)).toEqual([
        'WASSERSTEIN_NORMED',
        'WASSERSTEIN_NORMED',
        'WASSERSTEIN_NORMED',
      ]);
    });

    it('says "insufficient data" while the baseline is filling', async () => {
      addModel('young');
      await logPredictions('young', 1, 10, 0);
      const res = await a.exec<{ driftReport: Record<string, unknown> }>(
        `{ driftReport(model: "young") { reference insufficientData drifted reason } }`,
      );
      expect(res.data?.driftReport).toEqual({
        reference: 'NONE',
        insufficientData: true,
        drifted: false,
        reason: 'no reference profile for version 1 and its baseline has 10 of 50 predictions',
      });
    });
  });
});
