import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { mulberry32 } from '@modelplane/ml';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { gql, startPlatform, TEST_ADMIN_KEY, type GraphQLResponse, type Platform } from '../support/processes';

/**
 * Monitoring end to end: real predictions through the gateway, the prediction log consumed by
 * the monitoring subgraph, drift against the baseline window, alert rules evaluated on demand,
 * alerts pushed over the monitoring subgraph's graphql-ws (subscriptions through the gateway are
 * tested with the gateway), Model.health, and the Prometheus gauges.
 */
const MODEL = 'e2e-weather';
const BASELINE = 150;
const features = [
  { name: 'temp', type: 'NUMERIC' },
  { name: 'wind', type: 'NUMERIC' },
  { name: 'sky', type: 'CATEGORICAL', categories: ['clear', 'cloudy', 'rain'] },
];
const model = logisticModel([0.8, -0.5, 0.3], -0.1);

/** The acceptance operations, verbatim, by name. */
const acceptance = (() => {
  const doc = parse(readFileSync(join(__dirname, '..', '..', '..', 'shared', 'acceptance', 'operations.graphql'), 'utf8'));
  const ops = new Map<string, string>();
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION && d.name) ops.set(d.name.value, print(d as OperationDefinitionNode));
  }
  return (name: string) => ops.get(name)!;
})();

const random = mulberry32(42);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
/** A day of weather; `shift` moves temp and wind (sky never moves). */
const row = (shift: number) => ({
  temp: gaussian() + shift,
  wind: gaussian() - shift,
  sky: ['clear', 'cloudy', 'rain'][Math.floor(random() * 3)]!,
});

interface AlertEvent {
  id: string;
  status: string;
  message: string;
  firedAt?: string;
  model: { name: string };
}

describe('monitoring through the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;
  let ws: WsClient;
  let sql: Client;
  const received: Array<{ at: number; field: string; alert: AlertEvent }> = [];
  const sent: string[] = [];
  let labelled = 0;
  const call = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> =>
    gql<T>(platform.url, query, variables);
  const monitoringBase = () => `http://127.0.0.1:${platform.ports.MONITORING_PORT}`;

  /** `n` predictions through the gateway, 10 at a time; returns their ids and labels. */
  async function traffic(n: number, shift: number): Promise<Array<{ id: string; label: string }>> {
    const out: Array<{ id: string; label: string }> = [];
    for (let i = 0; i < n; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, n - i) }, () =>
          call<{ predict: { id: string; label: string } }>(acceptance('Predict'), { model: MODEL, features: row(shift) }),
        ),
      );
      for (const res of batch) {
        expect(res.errors).toBeUndefined();
        out.push(res.data!.predict);
      }
    }
    sent.push(...out.map((p) => p.id));
    return out;
  }

  /** Records the outcome of each prediction: the predicted label for the first `agree`, the other one after. */
  async function feedback(predictions: Array<{ id: string; label: string }>, agree: number): Promise<void> {
    for (const [i, p] of predictions.entries()) {
      const actual = i < agree ? p.label : p.label === 'wet' ? 'dry' : 'wet';
      const res = await call(acceptance('RecordFeedback'), { predictionId: p.id, actual });
      expect(res.errors).toBeUndefined();
    }
    labelled += predictions.length;
  }

  /** Waits until monitoring has consumed every prediction and outcome sent so far (its own tables: a window is capped). */
  async function consumed(): Promise<void> {
    const deadline = Date.now() + 15000;
    for (;;) {
      const { rows } = await sql.query(
        `SELECT (SELECT count(*) FROM monitoring.observation WHERE model = $1)::int AS n,
                (SELECT count(*) FROM monitoring.label WHERE model = $1)::int AS l`,
        [MODEL],
      );
      if (rows[0].n === sent.length && rows[0].l === labelled) return;
      if (Date.now() > deadline)
        throw new Error(`monitoring consumed ${rows[0].n} of ${sent.length} predictions, ${rows[0].l} of ${labelled} outcomes`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('e2e_monitoring');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    platform = await startPlatform(db.url, undefined, {
      PREDICTION_LOG_FLUSH_MS: '50',
      MONITORING_POLL_MS: '100',
      MONITORING_BASELINE_ROWS: String(BASELINE),
      MONITORING_WINDOW_MAX_ROWS: String(BASELINE),
      // Scheduled passes stay out of the way: the test evaluates on demand.
      MONITORING_EVALUATION_INTERVAL_MS: '600000',
    });
    const registered = await call(acceptance('RegisterModel'), {
      input: { name: MODEL, task: 'BINARY_CLASSIFICATION', features, labels: ['dry', 'wet'] },
    });
    expect(registered.errors).toBeUndefined();
    const version = await call(acceptance('CreateModelVersion'), { input: { model: MODEL, onnxBase64: model.base64 } });
    expect(version.errors).toBeUndefined();
    const promoted = await call(acceptance('SetModelAlias'), { model: MODEL, alias: 'production', version: 1 });
    expect(promoted.errors).toBeUndefined();

    // Subscribed through the gateway, before anything fires: each event also asks the registry
    // for the model's production version (a field the monitoring subgraph does not have).
    ws = createClient({
      url: `ws://127.0.0.1:${platform.ports.PORT}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    const listen = (field: string, query: string) =>
      new Promise<void>((resolve, reject) => {
        ws.subscribe<Record<string, AlertEvent>>(
          { query, variables: { model: MODEL } },
          {
            next: (msg) => {
              if (msg.data?.[field]) received.push({ at: Date.now(), field, alert: msg.data[field]! });
            },
            error: reject,
            complete: () => undefined,
          },
        );
        // graphql-ws has no "subscribed" acknowledgement; the server registers it on receipt.
        setTimeout(resolve, 300);
      });
    const withVersion = (q: string) => q.replace(/model \{\s*name\s*\}/, 'model { name productionVersion { version } }');
    await listen('driftAlerts', withVersion(acceptance('DriftAlerts').replace('status', 'status firedAt')));
    await listen('latencyAlerts', withVersion(acceptance('LatencyAlerts')));
  });

  afterAll(async () => {
    await ws?.dispose();
    await sql?.end();
    await platform?.stop();
    await db?.drop();
  });

  const waitFor = async (field: string, status: string): Promise<{ at: number; alert: AlertEvent }> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const hit = received.find((r) => r.field === field && r.alert.status === status);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${status} event on ${field}; got ${JSON.stringify(received)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('drift, latency and accuracy are measured from the consumed prediction log, per window', async () => {
    await traffic(BASELINE, 0);
    await consumed();
    const filling = await call<{ driftReport: { sampleSize: number; drifted: boolean } }>(
      `query($model: String!) { driftReport(model: $model) { reference sampleSize drifted insufficientData reason } }`,
      { model: MODEL },
    );
    // The first BASELINE predictions are the reference (no training profile for an uploaded model); none are after it yet.
    expect(filling.data?.driftReport).toMatchObject({ reference: 'BASELINE', sampleSize: 0, drifted: false, insufficientData: true });

    const drifted = await traffic(BASELINE, 3);
    // Feedback: the truth agrees with the model for 40 of these predictions and not for 10 more.
    await feedback(drifted.slice(0, 50), 40);
    await consumed();
    const report = await call<{
      driftReport: { drifted: boolean; share: number; sampleSize: number; features: Array<Record<string, unknown>> };
    }>(acceptance('DriftReport'), { model: MODEL });
    expect(report.errors).toBeUndefined();
    expect(report.data?.driftReport).toMatchObject({ drifted: true, sampleSize: BASELINE });
    expect(report.data?.driftReport.share).toBeCloseTo(2 / 3, 12);
    const byFeature = Object.fromEntries(report.data!.driftReport.features.map((f) => [f.feature, f]));
    expect(byFeature.temp).toMatchObject({ method: 'KS', drifted: true });
    expect(byFeature.wind).toMatchObject({ method: 'KS', drifted: true });
    expect(byFeature.sky).toMatchObject({ method: 'CHI_SQUARE', drifted: false });
    expect(byFeature.temp!.pValue as number).toBeLessThan(1e-10);

    const health = await call<{ model: { name: string; health: Record<string, Record<string, unknown>> } }>(
      `query($name: String!) { model(name: $name) { name health {
         drift { drifted share } latency { p50Ms p95Ms p99Ms count } accuracy { labelled accuracy precision recall f1 positiveLabel }
       } } }`,
      { name: MODEL },
    );
    expect(health.errors).toBeUndefined();
    const h = health.data!.model.health;
    expect(h.drift).toEqual({ drifted: true, share: report.data!.driftReport.share });
    // The window holds the newest MONITORING_WINDOW_MAX_ROWS predictions.
    expect(h.latency!.count).toBe(BASELINE);
    expect(h.latency!.p50Ms as number).toBeGreaterThan(0);
    expect(h.latency!.p50Ms as number).toBeLessThanOrEqual(h.latency!.p95Ms as number);
    expect(h.latency!.p95Ms as number).toBeLessThanOrEqual(h.latency!.p99Ms as number);
    expect(h.accuracy).toMatchObject({ labelled: 50, accuracy: 0.8, positiveLabel: 'wet' });
  });

  it('DRIFT and LATENCY rules fire on demand, once, and the alerts are pushed to subscribers', async () => {
    const drift = await call<{ createAlertRule: { id: string; kind: string; threshold: number } }>(acceptance('CreateAlertRule'), {
      input: { model: MODEL, kind: 'DRIFT', threshold: 0.5, severity: 'CRITICAL' },
    });
    expect(drift.data?.createAlertRule).toMatchObject({ kind: 'DRIFT', threshold: 0.5 });
    const latency = await call(acceptance('CreateAlertRule'), { input: { model: MODEL, kind: 'LATENCY', threshold: 0.001 } });
    expect(latency.errors).toBeUndefined();
    const bad = await call(acceptance('CreateAlertRule'), { input: { model: MODEL, kind: 'ACCURACY', threshold: 1.2 } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const evaluated = await call<{ evaluateAlertRules: Array<{ id: string; kind: string; status: string }> }>(
      acceptance('EvaluateAlertRules'),
      {
        model: MODEL,
      },
    );
    expect(evaluated.errors).toBeUndefined();
    const open = evaluated.data!.evaluateAlertRules;
    expect(open.map((a) => [a.kind, a.status]).sort()).toEqual([
      ['DRIFT', 'FIRING'],
      ['LATENCY', 'FIRING'],
    ]);

    const fired = await waitFor('driftAlerts', 'FIRING');
    expect(fired.alert).toMatchObject({
      id: open.find((a) => a.kind === 'DRIFT')!.id,
      model: { name: MODEL, productionVersion: { version: 1 } },
    });
    expect(fired.alert.message).toMatch(/^Data drift on e2e-weather v1: 2 of 3 features drifted .*: temp, wind$/);
    console.log(`alert delivery: fired (evaluation clock) → received by the subscriber: ${fired.at - Date.parse(fired.alert.firedAt!)} ms`);
    expect((await waitFor('latencyAlerts', 'FIRING')).alert.model).toEqual({ name: MODEL, productionVersion: { version: 1 } });

    // A second pass finds the same open alerts: no duplicates, no new events.
    const again = await call<{ evaluateAlertRules: Array<{ id: string }> }>(acceptance('EvaluateAlertRules'), { model: MODEL });
    expect(again.data!.evaluateAlertRules.map((a) => a.id).sort()).toEqual(open.map((a) => a.id).sort());
    await new Promise((r) => setTimeout(r, 200));
    expect(received.filter((r) => r.alert.status === 'FIRING')).toHaveLength(2);
  });

  it('after normal traffic the drift alert resolves by itself; the latency alert stays', async () => {
    const normal = await traffic(BASELINE, 0);
    await feedback(normal.slice(0, 30), 30);
    await consumed();
    const evaluated = await call<{ evaluateAlertRules: Array<{ kind: string; status: string }> }>(acceptance('EvaluateAlertRules'), {
      model: MODEL,
    });
    expect(evaluated.data?.evaluateAlertRules.map((a) => a.kind)).toEqual(['LATENCY']);
    const resolved = await waitFor('driftAlerts', 'RESOLVED');
    expect(resolved.alert.message).toMatch(/^Data drift on e2e-weather/);
    const history = await call<{ alerts: Array<{ kind: string; status: string; resolvedAt: string | null }> }>(
      `query($m: String!) { alerts(model: $m, first: 10) { kind status resolvedAt } }`,
      { m: MODEL },
    );
    expect(history.data?.alerts.map((a) => [a.kind, a.status]).sort()).toEqual([
      ['DRIFT', 'RESOLVED'],
      ['LATENCY', 'FIRING'],
    ]);
    const health = await call<{ model: { health: { drift: { drifted: boolean; share: number } } } }>(
      `query($n: String!) { model(name: $n) { health { drift { drifted share } } } }`,
      { n: MODEL },
    );
    expect(health.data?.model.health.drift).toEqual({ drifted: false, share: 0 });
  });

  it("the monitoring service's /metrics shows the drift, accuracy, alert and latency series", async () => {
    const text = await (await fetch(`${monitoringBase()}/metrics`)).text();
    // The value of the series `name` carrying all of `labels` (label order varies by metric type).
    const line = (name: string, labels: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)))
        ?.split(' ')
        .pop();
    expect(line('modelplane_drift_share', `model="${MODEL}"`)).toBe('0');
    expect(line('modelplane_drift_feature_statistic', `model="${MODEL}",feature="temp",method="KS"`)).toBeDefined();
    // The newest window's outcomes all agreed with the model.
    expect(line('modelplane_model_accuracy', `model="${MODEL}"`)).toBe('1');
    expect(line('modelplane_alerts_firing', `model="${MODEL}",kind="LATENCY"`)).toBe('1');
    expect(line('modelplane_alerts_firing', `model="${MODEL}",kind="DRIFT"`)).toBe('0');
    expect(line('modelplane_observed_prediction_latency_seconds_count', `model="${MODEL}",version="1"`)).toBe(String(sent.length));
  });
});
