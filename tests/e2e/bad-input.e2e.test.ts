import { onnx } from 'onnx-proto';
import { Client } from 'pg';
import { encodeModel, node, tensorValueInfo } from '../../packages/ml/src/onnx/onnx-graph';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel, regressionModelBase64, softmaxModelBase64 } from '../support/onnx-models';
import { gql, startPlatform, type GraphQLResponse, type Platform } from '../support/processes';

/**
 * Bad input across the whole API, through the gateway, beyond what serving.e2e covers: broken
 * ONNX uploads and mismatched signatures, oversized requests, non-finite and out-of-range numbers
 * (float64 and float32 models), unknown models, versions and aliases on every operation that takes
 * them, and concurrent alias moves, rollbacks, version creations and feedback. Each gets a coded
 * error, and the data is checked afterwards by querying it.
 */
const MAX_ARTIFACT_BYTES = 65536;
const BINARY = 'bad-binary';
const MULTI = 'bad-multi';
const REG = 'bad-regression';
const F32 = 'bad-float32';

const v1 = logisticModel([2, -2, 0.3], 0.1);
const v2 = logisticModel([-1, 1, -0.3], 0.2);
const v3 = logisticModel([0.5, 0.5, 0.5], 0);
const row = { x: 0.5, y: -1, color: 'green' };

/** A float32 linear regression (input `features` float [N, F], output `variable` float [N, 1]). */
function float32RegressionBase64(weights: number[], intercept: number): string {
  const F = weights.length;
  const DataType = onnx.TensorProto.DataType;
  return Buffer.from(
    encodeModel({
      graphName: 'float32_regression',
      nodes: [node('MatMul', ['features', 'W'], ['xw']), node('Add', ['xw', 'b'], ['variable'])],
      initializers: [
        { name: 'W', dims: [F, 1], dataType: DataType.FLOAT, floatData: weights },
        { name: 'b', dims: [1], dataType: DataType.FLOAT, floatData: [intercept] },
      ],
      inputs: [tensorValueInfo('features', DataType.FLOAT, ['N', F])],
      outputs: [tensorValueInfo('variable', DataType.FLOAT, ['N', 1])],
    }),
  ).toString('base64');
}

const CREATE = 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version signature { inputType } } }';
const ALIAS = 'mutation($m: String!, $a: String!, $v: Int!) { setModelAlias(model: $m, alias: $a, version: $v) { alias } }';
const PREDICT = `query($m: String!, $f: JSONObject!, $v: Int, $a: String) {
  predict(model: $m, features: $f, version: $v, alias: $a) { id score value modelVersion { version } }
}`;
const BATCH = 'query($m: String!, $rows: [JSONObject!]!) { predictBatch(model: $m, rows: $rows) { id score } }';
const OVERFLOW_SINGLE = `{ predict(model: "${BINARY}", features: { x: 1e400, y: 0, color: "red" }) { id } }`;
const OVERFLOW_BATCH = `{ predictBatch(model: "${BINARY}", rows: [{ x: 0, y: 0, color: "red" }, { x: 0, y: -1e400, color: "red" }]) { id } }`;
const FEEDBACK = 'mutation($id: ID!, $actual: String!) { recordFeedback(predictionId: $id, actual: $actual) { actual } }';

const code = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;

describe('bad input across the API', () => {
  let db: TestDatabase;
  let platform: Platform;
  let sql: Client;
  const count = async (query: string, params: unknown[] = []) => (await sql.query(query, params)).rows[0].n as number;
  const stored = async () => ({
    models: await count('SELECT count(*)::int AS n FROM registry.model'),
    versions: await count('SELECT count(*)::int AS n FROM registry.model_version'),
    artifacts: await count('SELECT count(*)::int AS n FROM registry.artifact'),
    events: await count('SELECT count(*)::int AS n FROM registry.model_event'),
    splits: await count('SELECT count(*)::int AS n FROM prediction.traffic_split'),
    rules: await count('SELECT count(*)::int AS n FROM monitoring.alert_rule'),
  });
  /** Every prediction served is in the log once it has been flushed (PREDICTION_LOG_FLUSH_MS=50). */
  const logged = async (model: string) => {
    await new Promise((r) => setTimeout(r, 300));
    return count('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE model = $1', [model]);
  };
  const ok = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const res = await gql<T>(platform.url, query, variables);
    if (res.errors?.length || !res.data) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };
  const register = (name: string, task: string, features: unknown[], labels: string[] | null) =>
    ok('mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', { i: { name, task, features, labels } });

  beforeAll(async () => {
    db = await createTestDatabase('e2e_bad_input');
    platform = await startPlatform(db.url, undefined, {
      MAX_ARTIFACT_BYTES: String(MAX_ARTIFACT_BYTES),
      PREDICT_BATCH_MAX_ROWS: '500',
      PREDICTION_LOG_FLUSH_MS: '50',
    });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    await register(
      BINARY,
      'BINARY_CLASSIFICATION',
      [
        { name: 'x', type: 'NUMERIC' },
        { name: 'y', type: 'NUMERIC' },
        { name: 'color', type: 'CATEGORICAL', categories: ['red', 'green'] },
      ],
      ['no', 'yes'],
    );
    for (const v of [v1, v2, v3]) await ok(CREATE, { i: { model: BINARY, onnxBase64: v.base64 } });
    await ok(ALIAS, { m: BINARY, a: 'production', v: 1 });
    await register(
      MULTI,
      'MULTICLASS_CLASSIFICATION',
      [
        { name: 'a', type: 'NUMERIC' },
        { name: 'b', type: 'NUMERIC' },
      ],
      ['low', 'mid', 'high'],
    );
    await ok(CREATE, { i: { model: MULTI, onnxBase64: softmaxModelBase64(2, 3) } });
    await register(
      REG,
      'REGRESSION',
      [
        { name: 'a', type: 'NUMERIC' },
        { name: 'b', type: 'NUMERIC' },
      ],
      null,
    );
    await ok(CREATE, { i: { model: REG, onnxBase64: regressionModelBase64(2) } });
    await ok(ALIAS, { m: REG, a: 'production', v: 1 });
    await register(
      F32,
      'REGRESSION',
      [
        { name: 'a', type: 'NUMERIC' },
        { name: 'b', type: 'NUMERIC' },
      ],
      null,
    );
    const f32 = await ok<{ createModelVersion: { signature: { inputType: string } } }>(CREATE, {
      i: { model: F32, onnxBase64: float32RegressionBase64([1e30, 1], 0) },
    });
    expect(f32.createModelVersion.signature.inputType).toBe('float32');
    await ok(ALIAS, { m: F32, a: 'production', v: 1 });
  });

  afterAll(async () => {
    await sql?.end();
    await platform?.stop();
    await db?.drop();
  });

  describe('ONNX uploads', () => {
    const valid = v1.bytes;
    const corruptHeader = Buffer.from(valid);
    corruptHeader.fill(0xff, 0, 24);
    const zeroedMiddle = Buffer.from(valid);
    zeroedMiddle.fill(0, Math.floor(valid.length / 3), Math.floor((2 * valid.length) / 3));
    it.each([
      ['an empty artifact', '', /./],
      [
        'a truncated model (first half of a valid one)',
        Buffer.from(valid.subarray(0, valid.length >> 1)).toString('base64'),
        /not a loadable ONNX model/,
      ],
      ['a model whose header bytes are overwritten', corruptHeader.toString('base64'), /not a loadable ONNX model/],
      ['a model whose middle third is zeroed', zeroedMiddle.toString('base64'), /ONNX/],
      [
        'random bytes',
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)).toString('base64'),
        /not a loadable ONNX model/,
      ],
      ['a four-class model for a three-label model', softmaxModelBase64(2, 4), /4 class probabilities but the model has 3 labels/],
      ['a binary model for a three-label model', logisticModel([1, 1], 0).base64, /2 class probabilities but the model has 3 labels/],
      ['a regression model for a multiclass model', regressionModelBase64(2), /probability output/],
      ['a float32 model of the wrong width', float32RegressionBase64([1, 2, 3], 0), /\[N, 2\]/],
    ])('rejects %s with BAD_USER_INPUT and stores nothing', async (_what, onnxBase64, message) => {
      const before = await stored();
      const res = await gql(platform.url, CREATE, { i: { model: MULTI, onnxBase64 } });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(message);
      expect(await stored()).toEqual(before);
    });

    it('rejects a classifier uploaded for a regression model', async () => {
      const before = await stored();
      const res = await gql(platform.url, CREATE, { i: { model: REG, onnxBase64: logisticModel([1, 1], 0).base64 } });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(await stored()).toEqual(before);
    });

    it('refuses a request body over MAX_REQUEST_BYTES with PAYLOAD_TOO_LARGE, and keeps serving', async () => {
      const before = await stored();
      // Default MAX_REQUEST_BYTES: the artifact limit in base64 plus 1 MiB.
      const huge = Buffer.alloc(Math.ceil((MAX_ARTIFACT_BYTES * 4) / 3) + 1024 * 1024 + 4096, 65).toString();
      const res = await gql(platform.url, CREATE, { i: { model: MULTI, onnxBase64: huge } });
      expect(code(res)).toBe('PAYLOAD_TOO_LARGE');
      expect(await stored()).toEqual(before);
      expect((await gql(platform.url, PREDICT, { m: BINARY, f: row })).errors).toBeUndefined();
    });
  });

  describe('numbers', () => {
    it.each([
      ['the string "Infinity"', { ...row, x: 'Infinity' }, /x is numeric/],
      ['the string "-Infinity"', { ...row, y: '-Infinity' }, /y is numeric/],
      ['a numeric string "1e5"', { ...row, x: '1e5' }, /x is numeric/],
      ['a boolean', { ...row, x: true }, /x is numeric/],
      ['a list', { ...row, x: [1] }, /x is numeric/],
      ['an object', { ...row, x: { value: 1 } }, /x is numeric/],
    ])('a numeric feature given %s gets BAD_USER_INPUT naming it', async (_what, features, message) => {
      const res = await gql(platform.url, PREDICT, { m: BINARY, f: features });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(message);
    });

    it('a literal that overflows to Infinity (1e400) is refused, single and in a batch, and the gateway keeps serving', async () => {
      const single = await gql(platform.url, OVERFLOW_SINGLE);
      expect(single.errors?.length).toBeGreaterThan(0);
      expect(single.data ?? null).toBeNull();
      const batch = await gql(platform.url, OVERFLOW_BATCH);
      expect(batch.errors?.length).toBeGreaterThan(0);
      expect(batch.data ?? null).toBeNull();
      expect((await gql(platform.url, PREDICT, { m: BINARY, f: row })).errors).toBeUndefined();
    });

    it('a literal that overflows to Infinity (1e400) gets BAD_USER_INPUT naming the feature', async () => {
      const single = await gql(platform.url, OVERFLOW_SINGLE);
      expect(code(single)).toBe('BAD_USER_INPUT');
      expect(single.errors?.[0]?.message).toMatch(/x must be a finite number/);
      const batch = await gql(platform.url, OVERFLOW_BATCH);
      expect(code(batch)).toBe('BAD_USER_INPUT');
      expect(batch.errors?.[0]?.extensions).toMatchObject({ row: 1, feature: 'y' });
    });

    it('an overflowing literal in an operation that spans subgraphs gets BAD_USER_INPUT naming where it is, and nothing runs', async () => {
      const res = await gql(
        platform.url,
        `{ model(name: "${BINARY}") { name latestRun { id } } predict(model: "${BINARY}", features: { x: 1e400, y: 0, color: "red" }) { id } }`,
      );
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/features\.x must be a finite number/);
      expect(res.data ?? null).toBeNull();
    });

    it('the largest float64 values are served by a float64 model with a finite score', async () => {
      const res = await gql<{ predict: { score: number } }>(platform.url, PREDICT, {
        m: BINARY,
        f: { x: 1.7976931348623157e308, y: -1e308, color: 'red' },
      });
      expect(res.errors).toBeUndefined();
      expect(res.data?.predict.score).toBe(1);
    });

    it('a float32 model refuses 1e39 (beyond float32) with BAD_USER_INPUT naming the feature', async () => {
      const res = await gql(platform.url, PREDICT, { m: F32, f: { a: 1e39, b: 0 } });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/a is outside the model's float32 range/);
      const inRange = await gql<{ predict: { value: number } }>(platform.url, PREDICT, { m: F32, f: { a: 1e-30, b: 2 } });
      expect(inRange.errors).toBeUndefined();
      expect(inRange.data?.predict.value).toBeCloseTo(3, 5);
    });

    it('rejected numbers are never logged', async () => {
      const before = await logged(BINARY);
      await gql(platform.url, PREDICT, { m: BINARY, f: { ...row, x: 'NaN' } });
      await gql(platform.url, OVERFLOW_SINGLE);
      await gql(platform.url, BATCH, { m: BINARY, rows: [row, { ...row, y: 'Infinity' }] });
      expect(await logged(BINARY)).toBe(before);
    });
  });

  // Finite inputs can make a model's output non-finite (here 1e30 × 1e20 overflows float32).
  it('a model output that is not finite gets a coded error and is not logged', async () => {
    const before = await logged(F32);
    const res = await gql(platform.url, PREDICT, { m: F32, f: { a: 1e20, b: 0 } });
    expect(code(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/finite/);
    expect(await logged(F32)).toBe(before);
  });

  describe('batches', () => {
    it.each([
      ['an empty batch', [], /rows must not be empty/],
      ['one row over PREDICT_BATCH_MAX_ROWS', Array(501).fill(row), /501 rows exceed the limit of 500/],
    ])('%s gets BAD_USER_INPUT and nothing is logged', async (_what, rows, message) => {
      const before = await logged(BINARY);
      const res = await gql(platform.url, BATCH, { m: BINARY, rows });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(message);
      expect(await logged(BINARY)).toBe(before);
    });

    it('a row that is not an object is refused by the GraphQL layer with BAD_USER_INPUT', async () => {
      const res = await gql(platform.url, BATCH, { m: BINARY, rows: [row, 7] });
      expect(code(res)).toBe('BAD_USER_INPUT');
    });

    it('a batch at the limit is served whole and logged row by row', async () => {
      const before = await logged(BINARY);
      const res = await gql<{ predictBatch: Array<{ id: string }> }>(platform.url, BATCH, { m: BINARY, rows: Array(500).fill(row) });
      expect(res.errors).toBeUndefined();
      expect(new Set(res.data?.predictBatch.map((p) => p.id)).size).toBe(500);
      expect(await logged(BINARY)).toBe(before + 500);
    });
  });

  describe('unknown models, versions and aliases', () => {
    it.each([
      ['predict on an unknown model', 'NOT_FOUND', PREDICT, { m: 'nobody', f: row }],
      ['predictBatch on an unknown model', 'NOT_FOUND', BATCH, { m: 'nobody', rows: [row] }],
      ['predict with an invalid model name', 'BAD_USER_INPUT', PREDICT, { m: 'no such/model', f: row }],
      ['predict with both version and alias', 'BAD_USER_INPUT', PREDICT, { m: BINARY, f: row, v: 1, a: 'production' }],
      ['predict with version 0', 'NOT_FOUND', PREDICT, { m: BINARY, f: row, v: 0 }],
      ['predict with a negative version', 'NOT_FOUND', PREDICT, { m: BINARY, f: row, v: -1 }],
      ['createModelVersion for an unknown model', 'NOT_FOUND', CREATE, { i: { model: 'nobody', onnxBase64: v1.base64 } }],
      ['setModelAlias on an unknown model', 'NOT_FOUND', ALIAS, { m: 'nobody', a: 'production', v: 1 }],
      ['setModelAlias to version 0', 'NOT_FOUND', ALIAS, { m: BINARY, a: 'champion', v: 0 }],
      [
        'deleteModelAlias of an alias that does not exist',
        'NOT_FOUND',
        'mutation { deleteModelAlias(model: "bad-binary", alias: "ghost") }',
        {},
      ],
      ['deleteModelAlias on an unknown model', 'NOT_FOUND', 'mutation { deleteModelAlias(model: "nobody", alias: "production") }', {}],
      ['rollbackModel of an unknown model', 'NOT_FOUND', 'mutation { rollbackModel(model: "nobody") { reason } }', {}],
      [
        'rollbackModel to a version that does not exist',
        'NOT_FOUND',
        'mutation { rollbackModel(model: "bad-binary", toVersion: 42) { reason } }',
        {},
      ],
      ['rollbackModel of a model never in production', 'CONFLICT', 'mutation { rollbackModel(model: "bad-multi") { reason } }', {}],
      [
        'archiveModelVersion of a version that does not exist',
        'NOT_FOUND',
        'mutation { archiveModelVersion(model: "bad-binary", version: 42) { status } }',
        {},
      ],
      [
        'setTrafficSplit on an unknown model',
        'NOT_FOUND',
        'mutation { setTrafficSplit(model: "nobody", canaryVersion: 1, percent: 10) { percent } }',
        {},
      ],
      [
        'setTrafficSplit to a version that does not exist',
        'NOT_FOUND',
        'mutation { setTrafficSplit(model: "bad-binary", canaryVersion: 42, percent: 10) { percent } }',
        {},
      ],
      [
        'setTrafficSplit above 100 %',
        'BAD_USER_INPUT',
        'mutation { setTrafficSplit(model: "bad-binary", canaryVersion: 2, percent: 150) { percent } }',
        {},
      ],
      [
        'setTrafficSplit below 0 %',
        'BAD_USER_INPUT',
        'mutation { setTrafficSplit(model: "bad-binary", canaryVersion: 2, percent: -1) { percent } }',
        {},
      ],
      [
        'setShadowVersion to a version that does not exist',
        'NOT_FOUND',
        'mutation { setShadowVersion(model: "bad-binary", version: 42) { shadowVersion } }',
        {},
      ],
      [
        'createAlertRule on an unknown model',
        'NOT_FOUND',
        'mutation { createAlertRule(input: { model: "nobody", kind: LATENCY, threshold: 10 }) { id } }',
        {},
      ],
      [
        'createAlertRule with a drift share above 1',
        'BAD_USER_INPUT',
        'mutation { createAlertRule(input: { model: "bad-binary", kind: DRIFT, threshold: 2 }) { id } }',
        {},
      ],
      [
        'createAlertRule with a negative latency',
        'BAD_USER_INPUT',
        'mutation { createAlertRule(input: { model: "bad-binary", kind: LATENCY, threshold: -5 }) { id } }',
        {},
      ],
      [
        'createAlertRule for accuracy of a regression model',
        'BAD_USER_INPUT',
        'mutation { createAlertRule(input: { model: "bad-regression", kind: ACCURACY, threshold: 0.5 }) { id } }',
        {},
      ],
      ['evaluateAlertRules on an unknown model', 'NOT_FOUND', 'mutation { evaluateAlertRules(model: "nobody") { id } }', {}],
      ['driftReport of an unknown model', 'NOT_FOUND', '{ driftReport(model: "nobody") { drifted } }', {}],
      ['driftReport of version 0', 'BAD_USER_INPUT', '{ driftReport(model: "bad-binary", version: 0) { drifted } }', {}],
      [
        'updateAlertRule with an id that is not one',
        'BAD_USER_INPUT',
        'mutation { updateAlertRule(id: "nope", input: { threshold: 1 }) { id } }',
        {},
      ],
      [
        'acknowledgeAlert of an unknown alert',
        'NOT_FOUND',
        'mutation { acknowledgeAlert(id: "00000000-0000-4000-8000-000000000000") { id } }',
        {},
      ],
    ])('%s gets %s and changes nothing', async (_what, expected, query, variables) => {
      const before = await stored();
      const res = await gql(platform.url, query, variables as Record<string, unknown>);
      expect(res.errors?.[0]?.extensions?.code).toBe(expected);
      expect(await stored()).toEqual(before);
    });

    it('lookups of unknown things answer null rather than an error', async () => {
      const res = await gql(
        platform.url,
        '{ model(name: "nobody") { name } modelVersion(model: "bad-binary", version: 42) { id } missing: modelVersion(model: "nobody", version: 1) { id } }',
      );
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ model: null, modelVersion: null, missing: null });
    });

    it('predict on an archived version says it is archived', async () => {
      await ok(ALIAS, { m: BINARY, a: 'spare', v: 3 });
      await ok('mutation { deleteModelAlias(model: "bad-binary", alias: "spare") }');
      await ok('mutation { archiveModelVersion(model: "bad-binary", version: 3, reason: "bad-input test") { status } }');
      const res = await gql(platform.url, PREDICT, { m: BINARY, f: row, v: 3 });
      expect(code(res)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/archived/);
      const split = await gql(platform.url, 'mutation { setTrafficSplit(model: "bad-binary", canaryVersion: 3, percent: 10) { percent } }');
      expect(code(split)).toBe('BAD_USER_INPUT');
      expect(code(await gql(platform.url, 'mutation { rollbackModel(model: "bad-binary", toVersion: 3) { reason } }'))).toBe('CONFLICT');
    });
  });

  describe('concurrency', () => {
    it('20 concurrent production moves and rollbacks leave one production version, a gap-free event chain and serving in step', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM registry.model_event WHERE model = $1 AND alias = 'production'`, [BINARY]);
      const calls = Array.from({ length: 20 }, (_, i) =>
        i % 3 === 2
          ? gql(platform.url, `mutation { rollbackModel(model: "${BINARY}", reason: "concurrent ${i}") { toVersion { version } } }`)
          : gql(platform.url, ALIAS, { m: BINARY, a: 'production', v: (i % 2) + 1 }),
      );
      const results = await Promise.all(calls);
      // Each call either applied or was refused with a code (a rollback with nothing to return to).
      for (const r of results) if (r.errors) expect(code(r)).toBe('CONFLICT');
      const applied = results.filter((r) => !r.errors).length;
      const { rows: events } = await sql.query(
        `SELECT kind, from_version, to_version FROM registry.model_event WHERE model = $1 AND alias = 'production' ORDER BY id`,
        [BINARY],
      );
      expect(events.length - before).toBe(applied);
      for (let i = 1; i < events.length; i++) expect(events[i].from_version).toBe(events[i - 1].to_version);
      const last = events[events.length - 1].to_version as number;
      const alias = await sql.query(`SELECT version FROM registry.model_alias WHERE model = $1 AND alias = 'production'`, [BINARY]);
      expect(alias.rows).toEqual([{ version: last }]);
      const statuses = await sql.query(`SELECT version FROM registry.model_version WHERE model = $1 AND status = 'PRODUCTION'`, [BINARY]);
      expect(statuses.rows).toEqual([{ version: last }]);
      const api = await ok<{ model: { productionVersion: { version: number; status: string } } }>(
        `{ model(name: "${BINARY}") { productionVersion { version status } } }`,
      );
      expect(api.model.productionVersion).toEqual({ version: last, status: 'PRODUCTION' });
      const served = await ok<{ predict: { modelVersion: { version: number } } }>(PREDICT, { m: BINARY, f: row });
      expect(served.predict.modelVersion.version).toBe(last);
    });

    it('10 concurrent createModelVersion calls on one model get distinct, consecutive version numbers', async () => {
      const before = await count('SELECT count(*)::int AS n FROM registry.model_version WHERE model = $1', [MULTI]);
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          gql<{ createModelVersion: { version: number } }>(platform.url, CREATE, {
            i: { model: MULTI, onnxBase64: softmaxModelBase64(2, 3) },
          }),
        ),
      );
      expect(results.filter((r) => r.errors)).toEqual([]);
      const versions = results.map((r) => r.data!.createModelVersion.version).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 10 }, (_, i) => before + i + 1));
      const { rows } = await sql.query(
        'SELECT count(*)::int AS n, count(DISTINCT digest)::int AS d FROM registry.model_version WHERE model = $1',
        [MULTI],
      );
      expect(rows[0]).toEqual({ n: before + 10, d: 1 });
    });

    it('duplicate feedback sent concurrently is stored once; contradicting feedback loses with CONFLICT', async () => {
      const [a, b] = await Promise.all([0, 1].map(() => ok<{ predict: { id: string } }>(PREDICT, { m: BINARY, f: row })));
      const same = await Promise.all(Array.from({ length: 20 }, () => gql(platform.url, FEEDBACK, { id: a!.predict.id, actual: 'yes' })));
      expect(same.filter((r) => r.errors)).toEqual([]);
      expect(await count('SELECT count(*)::int AS n FROM prediction.feedback WHERE prediction_id = $1', [a!.predict.id])).toBe(1);

      const mixed = await Promise.all(
        Array.from({ length: 20 }, (_, i) => gql(platform.url, FEEDBACK, { id: b!.predict.id, actual: i % 2 ? 'yes' : 'no' })),
      );
      const { rows } = await sql.query('SELECT actual FROM prediction.feedback WHERE prediction_id = $1', [b!.predict.id]);
      expect(rows).toHaveLength(1);
      const winner = rows[0].actual as string;
      mixed.forEach((r, i) => {
        const sent = i % 2 ? 'yes' : 'no';
        if (sent === winner) expect(r.errors).toBeUndefined();
        else expect(code(r)).toBe('CONFLICT');
      });
    });
  });
});
