import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { RAIN_TOMORROW_FEATURE_NAMES } from '@modelplane/ml';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/global-setup';
import { serveNumericModel } from '../support/models';
import { logisticModel } from '../support/onnx-models';
import { gql, startService, TEST_ADMIN_KEY, type GraphQLResponse, type ServiceProcess } from '../support/processes';
import { until } from '../support/wait';

/**
 * Scale-out on one database, every service a process of its own as Kubernetes runs them: two
 * gateways (A → prediction A and monitoring A, B → prediction B and monitoring B), one registry,
 * one experiments subgraph without an in-process worker, and two training workers. They behave as
 * one: an alias move made through one gateway is served through both; an alert is evaluated once
 * and reaches a subscriber on each gateway once; each retraining job runs exactly once.
 */
const INTERVAL_MS = 1000;
const v1 = logisticModel([0.5, -0.25], 0.1);
const v2 = logisticModel([-0.5, 0.75], -0.2);

function ok<T>(res: GraphQLResponse<T>): T {
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

describe('two of everything on one database', () => {
  let db: TestDatabase;
  let sql: Client;
  const processes: ServiceProcess[] = [];
  const gateways: ServiceProcess[] = [];
  const clients: WsClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_scale_out');
    const common = {
      DATABASE_URL: db.url,
      PREDICTION_LOG_FLUSH_MS: '50',
      MONITORING_POLL_MS: '100',
      MONITORING_EVALUATION_INTERVAL_MS: String(INTERVAL_MS),
      TRAINING_HEARTBEAT_TIMEOUT_SECONDS: '5',
    };
    const start = async (command: string, portVar: string, env: Record<string, string> = {}) => {
      const service = await startService(command, { ...common, ...env }, portVar, 60000);
      processes.push(service);
      return service;
    };
    const registry = await start('registry', 'REGISTRY_PORT');
    const [predictionA, predictionB] = await Promise.all([
      start('prediction', 'PREDICTION_PORT', { REGISTRY_URL: registry.url }),
      start('prediction', 'PREDICTION_PORT', { REGISTRY_URL: registry.url }),
    ]);
    const urls = (prediction: ServiceProcess) => ({ REGISTRY_URL: registry.url, PREDICTION_URL: prediction.url });
    const [experiments, monitoringA, monitoringB] = await Promise.all([
      start('experiments', 'EXPERIMENTS_PORT', { ...urls(predictionA!), TRAINING_WORKER: 'off' }),
      start('monitoring', 'MONITORING_PORT', urls(predictionA!)),
      start('monitoring', 'MONITORING_PORT', urls(predictionB!)),
      start('worker', 'WORKER_PORT', { ...urls(predictionA!), WORKER_PORT: String(await freePort()) }),
      start('worker', 'WORKER_PORT', { ...urls(predictionB!), WORKER_PORT: String(await freePort()) }),
    ]);
    const gatewayEnv = (prediction: ServiceProcess, monitoring: ServiceProcess) => ({
      ...urls(prediction),
      EXPERIMENTS_URL: experiments!.url,
      MONITORING_URL: monitoring.url,
    });
    gateways.push(
      ...(await Promise.all([
        start('gateway', 'PORT', gatewayEnv(predictionA!, monitoringA!)),
        start('gateway', 'PORT', gatewayEnv(predictionB!, monitoringB!)),
      ])),
    );
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  }, 90000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await sql?.end();
    // Gateways first, then the rest, as a rollout would.
    for (const g of gateways) await g.stop();
    await Promise.all(processes.filter((p) => !gateways.includes(p)).map((p) => p.stop()));
    await db?.drop();
  });

  it('an alias move made through one gateway is served through both within a second, with no failed request', async () => {
    const [a, b] = gateways as [ServiceProcess, ServiceProcess];
    await serveNumericModel(a.url, 'fleet', [v1.base64, v2.base64]);
    // Each prediction replica loads the model on its first request.
    for (const g of gateways) {
      const first = ok(
        await gql<{ predict: { modelVersion: { version: number } } }>(
          g.url,
          '{ predict(model: "fleet", features: { a: 0, b: 0 }) { modelVersion { version } } }',
        ),
      );
      expect(first.predict.modelVersion.version).toBe(1);
    }

    const samples: Array<{ gateway: number; startedAt: number; finishedAt: number; version: number | null; error: string | null }> = [];
    let running = true;
    const stream = async (gateway: number) => {
      while (running) {
        const startedAt = Date.now();
        const res = await gql<{ predict: { score: number; modelVersion: { version: number } } }>(
          gateways[gateway]!.url,
          'query { predict(model: "fleet", features: { a: 1, b: 2 }) { score modelVersion { version } } }',
        ).catch((err: Error) => ({ errors: [{ message: err.message }], data: null }));
        samples.push({
          gateway,
          startedAt,
          finishedAt: Date.now(),
          version: res.data?.predict.modelVersion.version ?? null,
          error: res.errors?.[0]?.message ?? null,
        });
      }
    };
    const streams = [0, 1, 0, 1].map(stream);
    await new Promise((r) => setTimeout(r, 500));
    const movedAt = Date.now();
    ok(await gql(b.url, 'mutation { setModelAlias(model: "fleet", alias: "production", version: 2) { alias } }'));
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(streams);

    expect(samples.filter((s) => s.error)).toEqual([]);
    for (const gateway of [0, 1]) {
      const mine = samples.filter((s) => s.gateway === gateway);
      // Answered before the move was sent: version 1. Once a gateway has answered with version 2,
      // every later request through it gets version 2, and that happened within a second.
      const before = mine.filter((s) => s.finishedAt < movedAt);
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((s) => s.version === 1)).toBe(true);
      const firstNew = mine.find((s) => s.version === 2);
      expect(firstNew).toBeDefined();
      expect(firstNew!.startedAt - movedAt).toBeLessThan(1000);
      expect(mine.filter((s) => s.startedAt >= firstNew!.finishedAt).every((s) => s.version === 2)).toBe(true);
    }
    // The registry's view agrees through both gateways.
    for (const g of gateways) {
      const model = ok(
        await gql<{ model: { productionVersion: { version: number }; events: Array<{ kind: string; toVersion: number }> } }>(
          g.url,
          '{ model(name: "fleet") { productionVersion { version } events(first: 1) { kind toVersion } } }',
        ),
      ).model;
      expect(model).toEqual({ productionVersion: { version: 2 }, events: [{ kind: 'PROMOTED', toVersion: 2 }] });
    }
  });

  it('an alert is evaluated once and delivered once to a subscriber on each gateway', async () => {
    const [a, b] = gateways as [ServiceProcess, ServiceProcess];
    const model = 'fleet-alerts';
    ok(
      await gql(a.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
        i: { name: model, task: 'BINARY_CLASSIFICATION', features: [{ name: 'x', type: 'NUMERIC' }], labels: ['no', 'yes'] },
      }),
    );
    ok(
      await gql(a.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
        i: { model, onnxBase64: logisticModel([1], 0).base64 },
      }),
    );
    ok(await gql(b.url, `mutation { setModelAlias(model: "${model}", alias: "production", version: 1) { alias } }`));

    const received: Array<Array<{ id: string; status: string; model: { name: string } }>> = [[], []];
    for (const [k, g] of gateways.entries()) {
      const client = createClient({
        url: g.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      clients.push(client);
      client.subscribe<{ latencyAlerts: { id: string; status: string; model: { name: string } } }>(
        { query: `subscription { latencyAlerts(model: "${model}") { id status model { name } } }` },
        { next: (msg) => msg.data && received[k]!.push(msg.data.latencyAlerts), error: () => undefined, complete: () => undefined },
      );
    }
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    ok(await gql(a.url, `mutation { createAlertRule(input: { model: "${model}", kind: LATENCY, threshold: 0.0001 }) { id } }`));
    // Predictions through both gateways, so both prediction replicas log some.
    for (let i = 0; i < 60; i++)
      ok(await gql(gateways[i % 2]!.url, `query { predict(model: "${model}", features: { x: ${i / 10} }) { id } }`));

    await until('the alert on both gateways', async () => received.every((r) => r.length > 0));
    // Later scheduled passes find the same open alert: nothing more may arrive.
    await new Promise((r) => setTimeout(r, 2.5 * INTERVAL_MS));
    expect(received[0]).toHaveLength(1);
    expect(received[1]).toEqual(received[0]);
    expect(received[0]![0]).toMatchObject({ status: 'FIRING', model: { name: model } });
    const { rows: alerts } = await sql.query('SELECT id FROM monitoring.alert WHERE model = $1', [model]);
    expect(alerts).toEqual([{ id: received[0]![0]!.id }]);
    // The prediction log was consumed once, by whichever monitoring replica held the stream.
    await until(
      'every prediction observed',
      async () => (await sql.query('SELECT count(*)::int AS n FROM monitoring.observation WHERE model = $1', [model])).rows[0].n >= 60,
    );
    const { rows: stored } = await sql.query(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM monitoring.observation WHERE model = $1',
      [model],
    );
    expect(stored[0]).toEqual({ n: 60, d: 60 });
    // Scheduled passes of the two monitoring replicas never overlapped.
    const { rows: passes } = await sql.query(
      `SELECT replica, extract(epoch FROM started_at) * 1000 AS s, extract(epoch FROM finished_at) * 1000 AS f
       FROM monitoring.evaluation_pass WHERE trigger = 'SCHEDULED' AND started_at >= to_timestamp($1 / 1000.0) ORDER BY started_at`,
      [started],
    );
    for (let i = 1; i < passes.length; i++) expect(Number(passes[i].s)).toBeGreaterThanOrEqual(Number(passes[i - 1].f));
    console.log(
      `alert ${received[0]![0]!.id}: one event on each gateway; ${passes.length} scheduled passes by ${new Set(passes.map((p) => p.replica)).size} replica(s)`,
    );
  });

  it('retraining jobs queued through both gateways each run exactly once across the two workers', async () => {
    const [a] = gateways as [ServiceProcess, ServiceProcess];
    const model = 'fleet-rain';
    ok(
      await gql(a.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
        i: {
          name: model,
          task: 'BINARY_CLASSIFICATION',
          features: RAIN_TOMORROW_FEATURE_NAMES.map((f) => ({ name: f, type: 'NUMERIC' })),
          labels: ['dry', 'rain'],
        },
      }),
    );
    const TRIGGER = 'mutation($m: String!, $p: JSONObject) { triggerRetraining(model: $m, params: $p, reason: "scale-out") { id status } }';
    const runIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const queued = ok(
        await gql<{ triggerRetraining: { id: string; status: string } }>(gateways[i % 2]!.url, TRIGGER, {
          m: model,
          p: { trainer: 'logistic-regression', l2: 0.01 * (i + 1) },
        }),
      ).triggerRetraining;
      expect(queued.status).toBe('QUEUED');
      runIds.push(queued.id);
    }
    type RunData = {
      id: string;
      status: string;
      attempt: number;
      producedVersion: { version: number } | null;
      logs: Array<{ message: string }>;
    };
    const runs = await until(
      'every run to finish',
      async () => {
        const all = await Promise.all(
          runIds.map(
            async (id) =>
              ok(
                await gql<{ run: RunData }>(
                  a.url,
                  'query($id: ID!) { run(id: $id) { id status attempt producedVersion { version } logs { message } } }',
                  {
                    id,
                  },
                ),
              ).run,
          ),
        );
        return all.every((r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status)) && all;
      },
      45000,
    );
    for (const run of runs) {
      expect(run).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
      expect(run.logs.filter((l) => /^attempt \d+ started on worker/.test(l.message))).toHaveLength(1);
    }
    // One version per run, each registered once.
    const versions = ok(
      await gql<{ model: { versions: Array<{ version: number; runId: string }> } }>(
        a.url,
        `{ model(name: "${model}") { versions { version runId } } }`,
      ),
    ).model.versions;
    expect(versions.map((v) => v.runId).sort()).toEqual([...runIds].sort());
    expect(new Set(runs.map((r) => r.producedVersion!.version)).size).toBe(4);
    const workers = runs.map((r) => r.logs.find((l) => /started on worker/.test(l.message))!.message.replace(/.* on worker /, ''));
    console.log(
      `4 runs, each once: ${Object.entries(workers.reduce<Record<string, number>>((m, w) => ({ ...m, [w]: (m[w] ?? 0) + 1 }), {}))
        .map(([w, n]) => `${n} on ${w}`)
        .join(', ')}`,
    );
  });
});
