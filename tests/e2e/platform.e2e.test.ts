import { createTestDatabase, type TestDatabase } from '../support/database';
import { gql, startPlatform, type Platform } from '../support/processes';

const REGISTER = `mutation Register($input: RegisterModelInput!) {
  registerModel(input: $input) { name task features { name type categories } labels description }
}`;

const OVERVIEW = `query Overview($name: String!) {
  model(name: $name) {
    name task
    trafficSplit { percent }
    latestRun { id status }
    alertRules { id kind }
  }
}`;

const rainModel = {
  name: 'seattle-rain',
  task: 'BINARY_CLASSIFICATION',
  features: [
    { name: 'precipitation', type: 'NUMERIC', categories: null },
    { name: 'season', type: 'CATEGORICAL', categories: ['winter', 'spring', 'summer', 'autumn'] },
  ],
  labels: ['dry', 'rain'],
  description: 'first',
};

describe('the platform through the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_platform');
    platform = await startPlatform(db.url);
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  it('answers { models { name } } on a fresh database with an empty list', async () => {
    const res = await gql(platform.url, '{ models { name } }');
    expect(res).toEqual({ data: { models: [] } });
  });

  it('registerModel persists a model that a query returns', async () => {
    const res = await gql(platform.url, REGISTER, { input: rainModel });
    expect(res.errors).toBeUndefined();
    expect(res.data?.registerModel).toEqual({ ...rainModel });
    const list = await gql<{ models: Array<{ name: string }> }>(platform.url, '{ models { name task } }');
    expect(list.data?.models).toEqual([{ name: 'seattle-rain', task: 'BINARY_CLASSIFICATION' }]);
  });

  it('one query returns Model fields contributed by all four subgraphs', async () => {
    const res = await gql(platform.url, OVERVIEW, { name: 'seattle-rain' });
    expect(res.errors).toBeUndefined();
    // registry: name, task; prediction: trafficSplit; experiments: latestRun; monitoring: alertRules.
    expect(res.data).toEqual({
      model: { name: 'seattle-rain', task: 'BINARY_CLASSIFICATION', trafficSplit: null, latestRun: null, alertRules: [] },
    });
  });

  it('a duplicate registerModel gets CONFLICT and changes nothing', async () => {
    const res = await gql(platform.url, REGISTER, { input: { ...rainModel, task: 'REGRESSION', labels: null, description: 'second' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const after = await gql<{ model: { task: string; description: string } }>(
      platform.url,
      '{ model(name: "seattle-rain") { task description } }',
    );
    expect(after.data?.model).toEqual({ task: 'BINARY_CLASSIFICATION', description: 'first' });
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'm'.repeat(129)],
    ['a space', 'my model'],
    ['a slash', 'a/b'],
    ['non-ASCII', 'modèle'],
  ])('a model name with %s gets BAD_USER_INPUT and nothing is stored', async (_label, name) => {
    const res = await gql(platform.url, REGISTER, { input: { ...rainModel, name } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.data ?? null).toBeNull();
    const list = await gql<{ models: unknown[] }>(platform.url, '{ models { name } }');
    expect(list.data?.models).toHaveLength(1);
  });

  it('an unknown field gets GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await gql(platform.url, '{ models { name doesNotExist } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a variable of the wrong type gets BAD_USER_INPUT', async () => {
    const res = await gql(platform.url, 'query($n: String!) { model(name: $n) { name } }', { n: 42 });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('broken JSON gets a coded 400, not a crash', async () => {
    const res = await fetch(platform.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect((await fetch(`${platform.base}/health/live`)).status).toBe(200);
  });

  it('a categorical feature without categories, or a numeric one with them, is rejected with BAD_USER_INPUT', async () => {
    const noCategories = await gql(platform.url, REGISTER, {
      input: { ...rainModel, name: 'nocat', features: [{ name: 'season', type: 'CATEGORICAL' }] },
    });
    expect(noCategories.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const numericWithCategories = await gql(platform.url, REGISTER, {
      input: { ...rainModel, name: 'numcat', features: [{ name: 'x', type: 'NUMERIC', categories: ['a'] }] },
    });
    expect(numericWithCategories.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('duplicate feature names and labels on a regression model are rejected with BAD_USER_INPUT', async () => {
    const dup = await gql(platform.url, REGISTER, {
      input: { ...rainModel, name: 'dup', features: [rainModel.features[0], rainModel.features[0]] },
    });
    expect(dup.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const reg = await gql(platform.url, REGISTER, { input: { ...rainModel, name: 'reg', task: 'REGRESSION' } });
    expect(reg.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('the gateway serves the console at its root, the offline GraphiQL explorer, health and metrics', async () => {
    const root = await fetch(`${platform.base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    // EXPLORER defaults to graphiql: a browser opening /graphql lands on GraphiQL (Sandbox needs the internet).
    const landing = await fetch(platform.url, { headers: { accept: 'text/html' } });
    expect(landing.url).toBe(`${platform.base}/graphiql`);
    expect(await landing.text()).toContain('Modelplane GraphiQL');
    expect((await fetch(`${platform.base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${platform.base}/metrics`)).text();
    expect(metrics).toMatch(
      /modelplane_graphql_operation_duration_seconds_count\{service="gateway",operation="Overview",type="query",outcome="ok"\} 1/,
    );
  });

  it('a registered model survives a restart of the platform', async () => {
    expect(await platform.stop('SIGTERM')).toBe(0);
    platform = await startPlatform(db.url, platform.ports);
    const res = await gql(platform.url, '{ model(name: "seattle-rain") { name labels } }');
    expect(res.data).toEqual({ model: { name: 'seattle-rain', labels: ['dry', 'rain'] } });
  });
});
