import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel, regressionModelBase64, softmaxModelBase64 } from '../support/onnx-models';
import { gql, signedHeaders, startPlatform, type GraphQLResponse, type Platform } from '../support/processes';
import { until } from '../support/wait';

/**
 * The registry and prediction subgraphs through the gateway: ONNX versions, aliases, rollback,
 * canary and shadow routing, the prediction log and feedback. Scores are checked against the
 * logistic function computed here, not against the service's own numbers.
 */
const MODEL = 'churn';
const features = [
  { name: 'tenure', type: 'NUMERIC' },
  { name: 'spend', type: 'NUMERIC' },
  { name: 'plan', type: 'CATEGORICAL', categories: ['basic', 'pro', 'enterprise'] },
];
const v1 = logisticModel([0.8, -0.5, 0.3], -0.1);
const v2 = logisticModel([-0.4, 0.9, -0.2], 0.25);
const row = { tenure: 1.5, spend: -0.7, plan: 'enterprise' };
const encoded = [1.5, -0.7, 2];

const PREDICT = `query Predict($model: String!, $features: JSONObject!, $version: Int, $alias: String, $requestKey: String) {
  predict(model: $model, features: $features, version: $version, alias: $alias, requestKey: $requestKey) {
    id label score route probabilities { label probability } modelVersion { version }
  }
}`;
const CREATE = `mutation Create($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id version digest sizeBytes status } }`;
const ALIAS = `mutation Alias($model: String!, $alias: String!, $version: Int!) { setModelAlias(model: $model, alias: $alias, version: $version) { alias version { version status } } }`;

type Predicted = { predict: { id: string; label: string; score: number; route: string; modelVersion: { version: number } } };

const code = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;

describe('model registry and ONNX serving through the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;
  let sql: Client;
  const predict = (variables: Record<string, unknown> = {}) =>
    gql<Predicted>(platform.url, PREDICT, { model: MODEL, features: row, ...variables });

  beforeAll(async () => {
    db = await createTestDatabase('e2e_serving');
    platform = await startPlatform(db.url, undefined, {
      MAX_ARTIFACT_BYTES: '65536',
      PREDICT_BATCH_MAX_ROWS: '2000',
      PREDICTION_LOG_FLUSH_MS: '50',
    });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    const res = await gql(platform.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
      i: { name: MODEL, task: 'BINARY_CLASSIFICATION', features, labels: ['stay', 'churn'] },
    });
    expect(res.errors).toBeUndefined();
  });

  afterAll(async () => {
    await sql?.end();
    await platform?.stop();
    await db?.drop();
  });

  it('createModelVersion numbers versions per model and stores the artifact under its sha256', async () => {
    const first = await gql<{ createModelVersion: { version: number; digest: string; sizeBytes: number; status: string } }>(
      platform.url,
      CREATE,
      {
        input: { model: MODEL, onnxBase64: v1.base64, description: 'baseline' },
      },
    );
    expect(first.errors).toBeUndefined();
    expect(first.data?.createModelVersion).toMatchObject({
      version: 1,
      digest: v1.digest,
      sizeBytes: v1.bytes.length,
      status: 'CANDIDATE',
    });
    const second = await gql<{ createModelVersion: { version: number } }>(platform.url, CREATE, {
      input: { model: MODEL, onnxBase64: v2.base64 },
    });
    expect(second.data?.createModelVersion.version).toBe(2);
  });

  it('the same artifact registered again becomes a new version sharing one stored copy', async () => {
    const again = await gql<{ createModelVersion: { version: number; digest: string } }>(platform.url, CREATE, {
      input: { model: MODEL, onnxBase64: v1.base64 },
    });
    expect(again.data?.createModelVersion).toMatchObject({ version: 3, digest: v1.digest });
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM registry.artifact');
    expect(rows[0].n).toBe(2);
  });

  it.each([
    ['bytes that are not ONNX', Buffer.from('definitely not a model').toString('base64'), /not a loadable ONNX model/],
    ['a model with two features for a three-feature schema', logisticModel([1, 2], 0).base64, /shape \[N, 2\].*\[N, 3\]/],
    ['a three-class model for a binary task', softmaxModelBase64(3, 3), /3 class probabilities but the model has 2 labels/],
    ['a regression model for a classifier', regressionModelBase64(3), /probability output/],
    ['text that is not base64', 'not base64 at all!', /not valid base64/],
    ['an artifact over MAX_ARTIFACT_BYTES', Buffer.alloc(70000, 1).toString('base64'), /limit is 65536/],
  ])('rejects %s with BAD_USER_INPUT and stores nothing', async (_what, onnxBase64, message) => {
    const before = await sql.query('SELECT count(*)::int AS n FROM registry.model_version');
    const res = await gql(platform.url, CREATE, { input: { model: MODEL, onnxBase64 } });
    expect(code(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(message);
    const after = await sql.query('SELECT count(*)::int AS n FROM registry.model_version');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('a version for a model that does not exist gets NOT_FOUND', async () => {
    const res = await gql(platform.url, CREATE, { input: { model: 'nope', onnxBase64: v1.base64 } });
    expect(code(res)).toBe('NOT_FOUND');
  });

  it('predict before any production version says so with NOT_FOUND', async () => {
    const res = await predict();
    expect(code(res)).toBe('NOT_FOUND');
    expect(res.errors?.[0]?.message).toMatch(/no production version/);
  });

  it('after promotion, predict serves the production version with the logistic score computed independently', async () => {
    const promoted = await gql(platform.url, ALIAS, { model: MODEL, alias: 'production', version: 1 });
    expect(promoted.data).toEqual({ setModelAlias: { alias: 'production', version: { version: 1, status: 'PRODUCTION' } } });
    const res = await predict();
    expect(res.errors).toBeUndefined();
    const p = v1.probability(encoded);
    expect(res.data?.predict).toMatchObject({ route: 'PRODUCTION', modelVersion: { version: 1 }, label: p >= 0.5 ? 'churn' : 'stay' });
    expect(res.data?.predict.score).toBeCloseTo(p, 12);
  });

  it('a version or an alias in the request picks what answers', async () => {
    const explicit = await predict({ version: 2 });
    expect(explicit.data?.predict).toMatchObject({ route: 'EXPLICIT', modelVersion: { version: 2 } });
    expect(explicit.data?.predict.score).toBeCloseTo(v2.probability(encoded), 12);
    await gql(platform.url, ALIAS, { model: MODEL, alias: 'challenger', version: 2 });
    const aliased = await predict({ alias: 'challenger' });
    expect(aliased.data?.predict).toMatchObject({ route: 'ALIAS', modelVersion: { version: 2 } });
    expect(code(await predict({ alias: 'nobody' }))).toBe('NOT_FOUND');
    expect(code(await predict({ version: 99 }))).toBe('NOT_FOUND');
  });

  it('an alias this replica has not heard of yet is looked up in the registry before NOT_FOUND', async () => {
    // Written behind the registry's back: no change event reaches the prediction service.
    await sql.query(`INSERT INTO registry.model_alias (model, alias, version) VALUES ($1, 'quiet', 2)`, [MODEL]);
    const res = await predict({ alias: 'quiet' });
    expect(res.errors).toBeUndefined();
    expect(res.data?.predict).toMatchObject({ route: 'ALIAS', modelVersion: { version: 2 } });
  });

  it.each([
    ['a missing feature', { tenure: 1, plan: 'pro' }, /missing feature spend/],
    ['an unknown feature', { ...row, colour: 'red' }, /unknown feature "colour"/],
    ['a string for a numeric feature', { ...row, spend: '3' }, /spend is numeric/],
    ['null for a numeric feature', { ...row, spend: null }, /spend is numeric/],
    ['"NaN" for a numeric feature', { ...row, tenure: 'NaN' }, /tenure is numeric/],
    ['an unknown category', { ...row, plan: 'platinum' }, /unknown category "platinum"/],
    ['a number for a categorical feature', { ...row, plan: 1 }, /plan is categorical/],
  ])('input with %s gets BAD_USER_INPUT naming the feature, and is not logged', async (_what, bad, message) => {
    const res = await gql(platform.url, PREDICT, { model: MODEL, features: bad });
    expect(code(res)).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(message);
  });

  it('predictBatch scores every row and names the bad row of a rejected batch', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ tenure: i / 100, spend: Math.sin(i), plan: features[2]!.categories![i % 3] }));
    const res = await gql<{ predictBatch: Array<{ score: number }> }>(
      platform.url,
      'query($rows: [JSONObject!]!) { predictBatch(model: "churn", rows: $rows) { score } }',
      { rows },
    );
    expect(res.errors).toBeUndefined();
    res.data!.predictBatch.forEach((p, i) => expect(p.score).toBeCloseTo(v1.probability([i / 100, Math.sin(i), i % 3]), 12));
    const bad = await gql(platform.url, 'query($rows: [JSONObject!]!) { predictBatch(model: "churn", rows: $rows) { score } }', {
      rows: [row, row, { ...row, plan: 'x' }],
    });
    expect(code(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ row: 2, feature: 'plan' });
    const tooMany = await gql(platform.url, 'query($rows: [JSONObject!]!) { predictBatch(model: "churn", rows: $rows) { score } }', {
      rows: Array(2001).fill(row),
    });
    expect(code(tooMany)).toBe('BAD_USER_INPUT');
  });

  it('alias moves to missing, archived or reserved targets are refused with a clear code', async () => {
    expect(code(await gql(platform.url, ALIAS, { model: MODEL, alias: 'production', version: 42 }))).toBe('NOT_FOUND');
    expect(code(await gql(platform.url, ALIAS, { model: MODEL, alias: 'latest', version: 1 }))).toBe('BAD_USER_INPUT');
    expect(code(await gql(platform.url, ALIAS, { model: MODEL, alias: 'bad alias!', version: 1 }))).toBe('BAD_USER_INPUT');
    const archived = await gql(platform.url, 'mutation { archiveModelVersion(model: "churn", version: 3) { status } }');
    expect(archived.data).toEqual({ archiveModelVersion: { status: 'ARCHIVED' } });
    expect(code(await gql(platform.url, ALIAS, { model: MODEL, alias: 'production', version: 3 }))).toBe('CONFLICT');
    expect(code(await gql(platform.url, 'mutation { archiveModelVersion(model: "churn", version: 1) { status } }'))).toBe('CONFLICT');
  });

  it('rollback moves the production alias back and predictions switch to the old version within a second, none failing', async () => {
    await gql(platform.url, ALIAS, { model: MODEL, alias: 'production', version: 2 });
    await until(
      'the alias move to reach the prediction service',
      async () => (await predict()).data?.predict.modelVersion.version === 2,
      1000,
    );
    const rollback = await gql<{ rollbackModel: { fromVersion: { version: number }; toVersion: { version: number }; reason: string } }>(
      platform.url,
      'mutation { rollbackModel(model: "churn", reason: "v2 misbehaves") { fromVersion { version } toVersion { version } reason } }',
    );
    const rolledBackAt = Date.now();
    expect(rollback.data?.rollbackModel).toEqual({ fromVersion: { version: 2 }, toVersion: { version: 1 }, reason: 'v2 misbehaves' });
    // Replicas hear of the move by NOTIFY; requests that arrive after the event wait for the swap.
    let next = await predict();
    while (next.data?.predict.modelVersion.version !== 1 && Date.now() - rolledBackAt < 1000) next = await predict();
    expect(next.errors).toBeUndefined();
    expect(next.data?.predict.modelVersion.version).toBe(1);
    expect(next.data?.predict.score).toBeCloseTo(v1.probability(encoded), 12);
    const events = await gql<{ model: { events: Array<{ kind: string; fromVersion: number; toVersion: number; reason: string }> } }>(
      platform.url,
      '{ model(name: "churn") { events(first: 1) { kind fromVersion toVersion reason } } }',
    );
    expect(events.data?.model.events[0]).toEqual({ kind: 'ROLLED_BACK', fromVersion: 2, toVersion: 1, reason: 'v2 misbehaves' });
  });

  it('a rollback with nothing earlier to return to gets CONFLICT and changes nothing', async () => {
    const res = await gql(platform.url, 'mutation { rollbackModel(model: "churn") { toVersion { version } } }');
    expect(code(res)).toBe('CONFLICT');
    const prod = await gql<{ model: { productionVersion: { version: number } } }>(
      platform.url,
      '{ model(name: "churn") { productionVersion { version } } }',
    );
    expect(prod.data?.model.productionVersion.version).toBe(1);
  });

  it('concurrent alias moves on one model serialize: every move is recorded with the version it replaced', async () => {
    const moves = Array.from({ length: 20 }, (_, i) => gql(platform.url, ALIAS, { model: MODEL, alias: 'champion', version: (i % 2) + 1 }));
    const results = await Promise.all(moves);
    expect(results.every((r) => !r.errors)).toBe(true);
    const { rows } = await sql.query(
      `SELECT from_version, to_version FROM registry.model_event WHERE model = $1 AND alias = 'champion' ORDER BY id`,
      [MODEL],
    );
    expect(rows).toHaveLength(20);
    for (let i = 1; i < rows.length; i++) expect(rows[i].from_version).toBe(rows[i - 1].to_version);
    const alias = await sql.query(`SELECT version FROM registry.model_alias WHERE model = $1 AND alias = 'champion'`, [MODEL]);
    expect(alias.rows[0].version).toBe(rows[rows.length - 1].to_version);
  });

  it('a canary split sends about its share of traffic to the canary, the same way for the same request key', async () => {
    const split = await gql(
      platform.url,
      'mutation { setTrafficSplit(model: "churn", canaryVersion: 2, percent: 50) { canaryVersion percent } }',
    );
    expect(split.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    const routes = await Promise.all(Array.from({ length: 200 }, (_, i) => predict({ requestKey: `user-${i}` })));
    const canary = routes.filter((r) => r.data?.predict.route === 'CANARY');
    expect(canary.every((r) => r.data?.predict.modelVersion.version === 2)).toBe(true);
    expect(canary.length).toBeGreaterThan(60);
    expect(canary.length).toBeLessThan(140);
    const sticky = await Promise.all(Array.from({ length: 10 }, () => predict({ requestKey: 'user-7' })));
    expect(new Set(sticky.map((r) => r.data?.predict.route)).size).toBe(1);
    await gql(platform.url, 'mutation { clearTrafficSplit(model: "churn") { percent } }');
    await new Promise((r) => setTimeout(r, 300));
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => predict({ requestKey: `user-${i}` })));
    expect(after.every((r) => r.data?.predict.route === 'PRODUCTION')).toBe(true);
  });

  it('a shadow version gets a copy of each request: logged against the served prediction, never returned', async () => {
    await gql(platform.url, 'mutation { setShadowVersion(model: "churn", version: 2) { shadowVersion } }');
    await new Promise((r) => setTimeout(r, 300));
    const served = await Promise.all(Array.from({ length: 5 }, () => predict()));
    expect(served.every((r) => r.data?.predict.modelVersion.version === 1)).toBe(true);
    const ids = served.map((r) => r.data!.predict.id);
    await until(
      'five shadow rows in the log',
      async () =>
        (await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE shadow_of = ANY($1)', [ids])).rows[0].n === 5,
    );
    const { rows } = await sql.query('SELECT version, route, score FROM prediction.prediction_log WHERE shadow_of = ANY($1)', [ids]);
    expect(rows.every((r) => r.version === 2 && r.route === 'SHADOW')).toBe(true);
    expect(rows[0].score).toBeCloseTo(v2.probability(encoded), 12);
    await gql(platform.url, 'mutation { clearShadowVersion(model: "churn") { shadowVersion } }');
  });

  it('every acknowledged prediction reaches the prediction log', async () => {
    const served = await Promise.all(Array.from({ length: 50 }, () => predict()));
    const ids = served.map((r) => r.data!.predict.id);
    await until(
      'fifty logged predictions',
      async () => (await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log WHERE id = ANY($1)', [ids])).rows[0].n === 50,
    );
    // Logged compactly: values in feature order, a category as its index.
    const { rows } = await sql.query('SELECT feature_values, route, label, latency_ms FROM prediction.prediction_log WHERE id = $1', [
      ids[0],
    ]);
    expect(rows[0]).toMatchObject({ feature_values: [row.tenure, row.spend, 2], route: 'PRODUCTION' });
    expect(rows[0].latency_ms).toBeGreaterThan(0);
    // …and published on the stream as sent, features by name.
    let after = '';
    let logged: { features: unknown; probabilities: unknown } | undefined;
    for (const deadline = Date.now() + 5000; !logged && Date.now() < deadline;) {
      const page = (await (
        await fetch(`http://127.0.0.1:${platform.ports.PREDICTION_PORT}/streams/predictions?after=${after}&limit=1000`, {
          headers: signedHeaders(),
        })
      ).json()) as { items: Array<{ id: string; features: unknown; probabilities: unknown }>; next: string };
      logged = page.items.find((i) => i.id === ids[0]);
      after = page.next;
      if (!page.items.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(logged?.features).toEqual(row);
    expect(logged?.probabilities).toEqual([expect.any(Number), expect.any(Number)]);
  });

  it('the prediction log and feedback are published as streams that page by cursor without repeats', async () => {
    const stream = `http://127.0.0.1:${platform.ports.PREDICTION_PORT}/streams`;
    await until(
      'the first logged prediction',
      async () => (await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log')).rows[0].n > 0,
    );
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log');
    const seen = new Set<string>();
    let after = '';
    // The stream holds back rows until every older transaction has finished (another reader's
    // open transaction can delay them briefly), so page on from the cursor until it has caught up.
    const deadline = Date.now() + 5000;
    while (seen.size < rows[0].n && Date.now() < deadline) {
      const page = (await (await fetch(`${stream}/predictions?after=${after}&limit=17`, { headers: signedHeaders() })).json()) as {
        items: Array<{ id: string; model: string }>;
        next: string;
      };
      for (const item of page.items) {
        expect(seen.has(item.id)).toBe(false);
        seen.add(item.id);
      }
      after = page.next;
      if (!page.items.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.size).toBeGreaterThanOrEqual(rows[0].n);
    expect((await fetch(`${stream}/predictions?after=garbage`, { headers: signedHeaders() })).status).toBe(400);
    const feedback = (await (await fetch(`${stream}/feedback`, { headers: signedHeaders() })).json()) as { items: unknown[] };
    expect(Array.isArray(feedback.items)).toBe(true);
    // Only services (signed by the gateway secret) read the streams.
    expect((await fetch(`${stream}/feedback`)).status).toBe(401);
  });

  it('recordFeedback is idempotent per prediction and refuses contradictions and strangers', async () => {
    const { data } = await predict();
    const id = data!.predict.id;
    const FEEDBACK = 'mutation($id: ID!, $actual: String!) { recordFeedback(predictionId: $id, actual: $actual) { predictionId actual } }';
    const first = await gql(platform.url, FEEDBACK, { id, actual: 'churn' });
    expect(first.data).toEqual({ recordFeedback: { predictionId: id, actual: 'churn' } });
    expect((await gql(platform.url, FEEDBACK, { id, actual: 'churn' })).data).toEqual(first.data);
    expect(code(await gql(platform.url, FEEDBACK, { id, actual: 'stay' }))).toBe('CONFLICT');
    expect(code(await gql(platform.url, FEEDBACK, { id, actual: 'maybe' }))).toBe('BAD_USER_INPUT');
    expect(code(await gql(platform.url, FEEDBACK, { id: '00000000-0000-4000-8000-000000000000', actual: 'churn' }))).toBe('NOT_FOUND');
    expect(code(await gql(platform.url, FEEDBACK, { id: 'not-an-id', actual: 'churn' }))).toBe('BAD_USER_INPUT');
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM prediction.feedback WHERE prediction_id = $1', [id]);
    expect(rows[0].n).toBe(1);
  });

  it('an artifact whose stored bytes no longer match its digest is refused and an INTEGRITY_ERROR event recorded', async () => {
    const v4 = logisticModel([0.1, 0.2, 0.3], 0);
    const created = await gql<{ createModelVersion: { version: number } }>(platform.url, CREATE, {
      input: { model: MODEL, onnxBase64: v4.base64 },
    });
    const version = created.data!.createModelVersion.version;
    await sql.query(`UPDATE registry.artifact SET content = content || '\\x00'::bytea WHERE digest = $1`, [v4.digest]);
    const res = await predict({ version });
    expect(code(res)).toBe('INTERNAL');
    expect(res.errors?.[0]?.message).toMatch(/integrity/);
    await until(
      'the INTEGRITY_ERROR model event',
      async () =>
        (await sql.query(`SELECT count(*)::int AS n FROM registry.model_event WHERE model = $1 AND kind = 'INTEGRITY_ERROR'`, [MODEL]))
          .rows[0].n >= 1,
    );
  });
});
