import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { Kind, parse, print, type ObjectTypeDefinitionNode } from 'graphql';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { regressionModelBase64 } from '../support/onnx-models';
import { gql, startService, type ServiceProcess } from '../support/processes';

/**
 * The federation basics every subgraph must keep, checked against the real compiled service on
 * a real database: its SDL is the committed one and composes, every @key resolves through
 * `_entities`, and health and metrics answer.
 */
interface Fixture {
  portVar: string;
  /** Creates what the representations below refer to (through the service, or in its database). */
  setup?: (url: string, databaseUrl: string) => Promise<void>;
  representations: Record<string, Record<string, unknown>>;
}

const fixtures: Record<string, Fixture> = {
  registry: {
    portVar: 'REGISTRY_PORT',
    setup: async (url) => {
      const res = await gql(
        url,
        'mutation { registerModel(input: { name: "conformance", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { name } }',
      );
      expect(res.errors).toBeUndefined();
      const version = await gql(url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
        i: { model: 'conformance', onnxBase64: regressionModelBase64(1) },
      });
      expect(version.errors).toBeUndefined();
    },
    representations: { Model: { name: 'conformance' }, ModelVersion: { modelName: 'conformance', version: 1 } },
  },
  prediction: { portVar: 'PREDICTION_PORT', representations: { Model: { name: 'conformance' } } },
  experiments: {
    portVar: 'EXPERIMENTS_PORT',
    // ModelVersion and Alert are extended here (trainingRun, metrics, triggeredRun): any key resolves to a stub.
    representations: {
      Model: { name: 'conformance' },
      ModelVersion: { id: '00000000-0000-4000-8000-000000000002' },
      Alert: { id: '00000000-0000-4000-8000-000000000001' },
    },
  },
  monitoring: {
    portVar: 'MONITORING_PORT',
    // Alerts only come from evaluations of real traffic; one is written directly so `_entities` has something to find.
    setup: async (_url, databaseUrl) => {
      const sql = new Client({ connectionString: databaseUrl });
      await sql.connect();
      await sql.query(
        `INSERT INTO monitoring.alert (id, model, kind, severity, status, threshold, window_seconds, message, fired_at)
         VALUES ('00000000-0000-4000-8000-000000000001', 'conformance', 'LATENCY', 'WARNING', 'RESOLVED', 1, 60, 'conformance', now())`,
      );
      await sql.end();
    },
    representations: { Model: { name: 'conformance' }, Alert: { id: '00000000-0000-4000-8000-000000000001' } },
  },
};

const schemaDir = join(__dirname, '..', '..', 'schema');

describe.each(Object.entries(fixtures))('%s subgraph', (name, fixture) => {
  let db: TestDatabase;
  let service: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase(`conformance_${name}`);
    service = await startService(name, { DATABASE_URL: db.url }, fixture.portVar);
    await fixture.setup?.(service.url, db.url);
  });

  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  it('serves the SDL committed in schema/ through _service', async () => {
    const res = await gql<{ _service: { sdl: string } }>(service.url, '{ _service { sdl } }');
    expect(res.errors).toBeUndefined();
    expect(res.data?._service.sdl.trimEnd()).toBe(readFileSync(join(schemaDir, `${name}.graphql`), 'utf8').trimEnd());
  });

  it('serves an SDL that composes with the other committed subgraphs', async () => {
    const res = await gql<{ _service: { sdl: string } }>(service.url, '{ _service { sdl } }');
    const others = Object.keys(fixtures).filter((n) => n !== name);
    const result = composeServices([
      { name, typeDefs: parse(res.data!._service.sdl), url: service.url },
      ...others.map((n) => ({ name: n, typeDefs: parse(readFileSync(join(schemaDir, `${n}.graphql`), 'utf8')), url: `http://${n}` })),
    ]);
    expect(result.errors).toBeUndefined();
  });

  it('resolves every @key entity through _entities', async () => {
    const sdl = readFileSync(join(schemaDir, `${name}.graphql`), 'utf8');
    const entities = parse(sdl).definitions.filter(
      (d): d is ObjectTypeDefinitionNode =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION &&
        // Stubs a subgraph only references (every @key resolvable: false) are not its to resolve.
        !!d.directives?.some(
          (x) => x.name.value === 'key' && !x.arguments?.some((a) => a.name.value === 'resolvable' && print(a.value) === 'false'),
        ),
    );
    expect(entities.length).toBeGreaterThan(0);
    for (const entity of entities) {
      const typename = entity.name.value;
      const representation = fixture.representations[typename];
      expect(representation).toBeDefined();
      const res = await gql<{ _entities: Array<Record<string, unknown> | null> }>(
        service.url,
        `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on ${typename} { ${Object.keys(representation!).join(' ')} } } }`,
        { r: [{ __typename: typename, ...representation }] },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?._entities).toEqual([{ __typename: typename, ...representation }]);
    }
  });

  it('answers liveness, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${service.base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${service.base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', service: name });
    const metrics = await (await fetch(`${service.base}/metrics`)).text();
    expect(metrics).toContain('process_cpu_seconds_total');
    expect(metrics).toMatch(/modelplane_graphql_operation_duration_seconds_count\{[^}]*service="[a-z]+"/);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const code = await service.stop('SIGTERM');
    expect(code).toBe(0);
  });
});
