import { Client } from 'pg';
import { startServedPlatform, type ServedPlatform } from '../support/models';
import { logisticModel } from '../support/onnx-models';
import { gql, type GraphQLResponse, type Platform } from '../support/processes';
import { until } from '../support/wait';

/**
 * Failed predictions reach monitoring: a version whose artifact no longer passes its integrity
 * check fails every call; each failure is logged as an error row (no outputs), monitoring's
 * latency report counts it, and an ERROR_RATE rule fires.
 */
const MODEL = 'flaky';
const PREDICT = 'query($v: Int) { predict(model: "flaky", features: { a: 1, b: 2 }, version: $v) { id version } }';

function ok<T>(res: GraphQLResponse<T>): T {
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

describe('error rates from failed predictions', () => {
  let platform: Platform;
  let sql: Client;
  let served: ServedPlatform;

  beforeAll(async () => {
    served = await startServedPlatform('e2e_error_rate', MODEL, {
      PREDICTION_LOG_FLUSH_MS: '50',
      MONITORING_POLL_MS: '100',
      MONITORING_EVALUATION_INTERVAL_MS: '600000',
    });
    ({ platform, sql } = served);
  });

  afterAll(() => served?.stop());

  it('calls that cannot be served are logged with their code, counted in errorRate, and fire an ERROR_RATE rule', async () => {
    // Version 2, whose stored bytes are then damaged before anything loads it.
    const broken = logisticModel([0.1, 0.9], 0);
    ok(
      await gql(platform.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
        i: { model: MODEL, onnxBase64: broken.base64 },
      }),
    );
    await sql.query(`UPDATE registry.artifact SET content = content || '\\x00'::bytea WHERE digest = $1`, [broken.digest]);
    const rule = ok(
      await gql<{ createAlertRule: { id: string } }>(
        platform.url,
        `mutation { createAlertRule(input: { model: "${MODEL}", kind: ERROR_RATE, threshold: 0.2, windowSeconds: 3600 }) { id } }`,
      ),
    ).createAlertRule;

    for (let i = 0; i < 6; i++) ok(await gql(platform.url, PREDICT, {}));
    for (let i = 0; i < 4; i++) {
      const failed = await gql(platform.url, PREDICT, { v: 2 });
      expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL');
    }
    // A rejected input is the caller's error: not logged, not counted.
    const rejected = await gql(platform.url, 'query { predict(model: "flaky", features: { a: 1 }) { id } }');
    expect(rejected.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // Each failed call is one error row with its code and no outputs.
    await until(
      'ten logged calls',
      async () => (await sql.query(`SELECT count(*)::int AS n FROM prediction.prediction_log WHERE model = $1`, [MODEL])).rows[0].n === 10,
    );
    const { rows } = await sql.query(
      `SELECT version, error, label, score, feature_values FROM prediction.prediction_log WHERE model = $1 AND error IS NOT NULL`,
      [MODEL],
    );
    expect(rows).toEqual(
      Array.from({ length: 4 }, () => ({ version: 2, error: 'INTERNAL', label: null, score: null, feature_values: null })),
    );

    // Monitoring has read them from the stream: 4 errors in 10 calls.
    const report = await until('monitoring to count four errors', async () => {
      const res = await gql<{ latencyReport: { errors: number; errorRate: number | null; predictions: number } }>(
        platform.url,
        `{ latencyReport(model: "${MODEL}", windowSeconds: 3600) { errors errorRate predictions } }`,
      );
      return res.data?.latencyReport.errors === 4 ? res.data.latencyReport : null;
    });
    expect(report.predictions).toBe(6);
    expect(report.errorRate).toBeCloseTo(4 / 10, 6);

    const alerts = ok(
      await gql<{ evaluateAlertRules: Array<{ ruleId: string; kind: string; status: string; value: number }> }>(
        platform.url,
        `mutation { evaluateAlertRules(model: "${MODEL}") { ruleId kind status value } }`,
      ),
    ).evaluateAlertRules;
    expect(alerts).toEqual([{ ruleId: rule.id, kind: 'ERROR_RATE', status: 'FIRING', value: expect.closeTo(0.4, 6) }]);
  });
});
