import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { gql, signedConnectionParams, startPlatform, startService, type Platform, type ServiceProcess } from '../support/processes';

/**
 * Two monitoring processes on one database, both evaluating on a schedule: the prediction log is
 * consumed once, evaluation passes do not overlap and run about once per interval, an alert is
 * opened once, and a subscriber on each replica receives it once.
 */
const MODEL = 'e2e-replicas';
const INTERVAL_MS = 1000;

describe('monitoring with two replicas', () => {
  let db: TestDatabase;
  let platform: Platform;
  let second: ServiceProcess;
  let sql: Client;
  const clients: WsClient[] = [];
  const events: Array<Array<{ id: string; status: string }>> = [[], []];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_monitoring_replicas');
    const env = { PREDICTION_LOG_FLUSH_MS: '50', MONITORING_POLL_MS: '100', MONITORING_EVALUATION_INTERVAL_MS: String(INTERVAL_MS) };
    platform = await startPlatform(db.url, undefined, env);
    const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
    second = await startService(
      'monitoring',
      {
        ...env,
        DATABASE_URL: db.url,
        REGISTRY_URL: url(platform.ports.REGISTRY_PORT!),
        PREDICTION_URL: url(platform.ports.PREDICTION_PORT!),
        EXPERIMENTS_URL: url(platform.ports.EXPERIMENTS_PORT!),
      },
      'MONITORING_PORT',
    );
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await sql?.end();
    await second?.stop();
    await platform?.stop();
    await db?.drop();
  });

  it('consumes once, evaluates once per interval, and delivers one alert to a subscriber on each replica', async () => {
    const call = (query: string, variables?: Record<string, unknown>) => gql(platform.url, query, variables);
    const model = logisticModel([1], 0);
    expect(
      (
        await call('mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
          i: { name: MODEL, task: 'BINARY_CLASSIFICATION', features: [{ name: 'x', type: 'NUMERIC' }], labels: ['no', 'yes'] },
        })
      ).errors,
    ).toBeUndefined();
    await call('mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
      i: { model: MODEL, onnxBase64: model.base64 },
    });
    await call(`mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 1) { alias } }`);

    for (const [k, port] of [platform.ports.MONITORING_PORT!, second.base.split(':').pop()].entries()) {
      const client = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: signedConnectionParams(),
      });
      clients.push(client);
      client.subscribe<{ latencyAlerts: { id: string; status: string } }>(
        { query: `subscription { latencyAlerts(model: "${MODEL}") { id status } }` },
        { next: (msg) => msg.data && events[k]!.push(msg.data.latencyAlerts), error: () => undefined, complete: () => undefined },
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    const rule = await call(`mutation { createAlertRule(input: { model: "${MODEL}", kind: LATENCY, threshold: 0.0001 }) { id } }`);
    expect(rule.errors).toBeUndefined();

    const started = Date.now();
    for (let i = 0; i < 60; i++) {
      const res = await call(`query { predict(model: "${MODEL}", features: { x: ${i / 10} }) { id } }`);
      expect(res.errors).toBeUndefined();
    }
    // The scheduled passes (on whichever replica) pick the breach up on their own.
    const deadline = Date.now() + 15000;
    while (events.some((e) => !e.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Later passes keep finding the same open alert: nothing more may arrive.
    await new Promise((r) => setTimeout(r, 2.5 * INTERVAL_MS));
    expect(events[0]).toHaveLength(1);
    expect(events[1]).toEqual(events[0]);
    expect(events[0]![0]!.status).toBe('FIRING');
    const { rows: alerts } = await sql.query('SELECT id FROM monitoring.alert WHERE model = $1', [MODEL]);
    expect(alerts).toEqual([{ id: events[0]![0]!.id }]);

    // Every prediction stored once, and the two replicas' histograms together count each request once.
    const { rows: stored } = await sql.query(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM monitoring.observation WHERE model = $1',
      [MODEL],
    );
    expect(stored[0]).toEqual({ n: 60, d: 60 });
    let observed = 0;
    for (const base of [`http://127.0.0.1:${platform.ports.MONITORING_PORT}`, second.base]) {
      const text = await (await fetch(`${base}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('modelplane_observed_prediction_latency_seconds_count{') && l.includes(`model="${MODEL}"`));
      observed += line ? Number(line.split(' ').pop()) : 0;
    }
    expect(observed).toBe(60);

    // Scheduled passes never overlapped and ran about once per interval, not once per replica.
    const { rows: passes } = await sql.query(
      `SELECT replica, extract(epoch FROM started_at) * 1000 AS s, extract(epoch FROM finished_at) * 1000 AS f
       FROM monitoring.evaluation_pass WHERE trigger = 'SCHEDULED' AND started_at >= to_timestamp($1 / 1000.0) ORDER BY started_at`,
      [started],
    );
    for (let i = 1; i < passes.length; i++) expect(Number(passes[i].s)).toBeGreaterThanOrEqual(Number(passes[i - 1].f));
    const elapsed = Number(passes[passes.length - 1].s) - Number(passes[0].s);
    expect(passes.length - 1).toBeLessThanOrEqual(Math.ceil(elapsed / (0.8 * INTERVAL_MS)));
    console.log(
      `${passes.length} scheduled passes in ${Math.round(elapsed)} ms by ${new Set(passes.map((p) => p.replica)).size} replica(s)`,
    );
  });
});
