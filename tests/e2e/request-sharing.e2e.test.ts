import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { serveNumericModel } from '../support/models';
import { gql, startPlatform, type GraphQLResponse, type Platform } from '../support/processes';

/**
 * The gateway shares work between identical read-only requests in flight at the same time (one
 * execution, and identical subgraph fetches sent once), and never shares what writes or what
 * belongs to another caller.
 */
const MODEL = 'shared';
const OVERVIEW = `query Overview($name: String!) {
  model(name: $name) { name productionVersion { version } trafficSplit { percent } latestRun { id } alertRules { id kind } }
}`;
const PREDICT = 'query Predict($m: String!, $f: JSONObject!) { predict(model: $m, features: $f) { id version } }';
const BURST = 24;

function ok<T>(res: GraphQLResponse<T>): T {
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data;
}

describe('sharing between identical requests at the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_request_sharing');
    platform = await startPlatform(db.url, undefined, { PREDICTION_LOG_FLUSH_MS: '50' });
    await serveNumericModel(platform.url, MODEL, logisticModel([0.5, -0.25], 0.1).base64);
    ok(await gql(platform.url, `mutation { createAlertRule(input: { model: "${MODEL}", kind: LATENCY, threshold: 1000 }) { id } }`));
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  async function counter(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${platform.base}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(name) && line.includes(labels))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  it('identical read-only queries sent at once all get the full answer, and the gateway answers several from one execution', async () => {
    const expected = ok(await gql(platform.url, OVERVIEW, { name: MODEL }));
    expect(expected).toMatchObject({ model: { name: MODEL, productionVersion: { version: 1 }, alertRules: [{ kind: 'LATENCY' }] } });
    const before =
      (await counter('modelplane_gateway_coalesced_requests_total')) +
      (await counter('modelplane_gateway_subgraph_fetches_total', 'deduplicated'));
    // Sharing needs overlap in time: a few bursts make that certain on a busy machine.
    for (let burst = 0; burst < 5; burst++) {
      const answers = await Promise.all(Array.from({ length: BURST }, () => gql(platform.url, OVERVIEW, { name: MODEL })));
      for (const answer of answers) expect(answer).toEqual({ data: expected });
      const after =
        (await counter('modelplane_gateway_coalesced_requests_total')) +
        (await counter('modelplane_gateway_subgraph_fetches_total', 'deduplicated'));
      if (after > before) return;
    }
    throw new Error(`no request was shared in 5 bursts of ${BURST}`);
  });

  it('identical predictions sent at once are each served and logged on their own', async () => {
    const features = { a: 1, b: 2 };
    const answers = await Promise.all(
      Array.from({ length: BURST }, () => gql<{ predict: { id: string } }>(platform.url, PREDICT, { m: MODEL, f: features })),
    );
    const ids = answers.map((a) => ok(a).predict.id);
    expect(new Set(ids).size).toBe(BURST);
    // Every one of them was acknowledged, so every one is in the log (and can take feedback).
    for (const id of ids) {
      ok(await gql(platform.url, 'mutation($id: ID!) { recordFeedback(predictionId: $id, actual: "1") { actual } }', { id }));
    }
  });
});
