import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { gql, startService, type ServiceProcess } from '../support/processes';

/**
 * Two prediction replicas on one database, as Kubernetes would run them: an alias move made in
 * the registry reaches both within a second, and a steady stream of requests sees no error
 * across the switch.
 */
const v1 = logisticModel([0.5, -0.25], 0.1);
const v2 = logisticModel([-0.5, 0.75], -0.2);

interface Sample {
  replica: number;
  startedAt: number;
  version: number | null;
  error: string | null;
}

describe('prediction replicas', () => {
  let db: TestDatabase;
  let registry: ServiceProcess;
  const replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_replicas');
    registry = await startService('registry', { DATABASE_URL: db.url }, 'REGISTRY_PORT');
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startService(
          'prediction',
          { DATABASE_URL: db.url, REGISTRY_URL: registry.url, PREDICTION_LOG_FLUSH_MS: '50' },
          'PREDICTION_PORT',
        ),
      );
    }
    const ok = (res: { errors?: unknown }) => expect(res.errors).toBeUndefined();
    ok(
      await gql(registry.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
        i: {
          name: 'fleet',
          task: 'BINARY_CLASSIFICATION',
          features: [
            { name: 'a', type: 'NUMERIC' },
            { name: 'b', type: 'NUMERIC' },
          ],
        },
      }),
    );
    for (const v of [v1, v2])
      ok(
        await gql(registry.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
          i: { model: 'fleet', onnxBase64: v.base64 },
        }),
      );
    ok(await gql(registry.url, 'mutation { setModelAlias(model: "fleet", alias: "production", version: 1) { alias } }'));
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await registry?.stop();
    await db?.drop();
  });

  it('an alias move reaches every replica within 1 s and no request fails across the switch', async () => {
    const samples: Sample[] = [];
    let running = true;
    const stream = async (replica: number) => {
      while (running) {
        const startedAt = Date.now();
        const res = await gql<{ predict: { modelVersion: { version: number } } }>(
          replicas[replica]!.url,
          'query { predict(model: "fleet", features: { a: 1, b: 2 }) { score modelVersion { version } } }',
        ).catch((err: Error) => ({ errors: [{ message: err.message }], data: null }));
        samples.push({
          replica,
          startedAt,
          version: res.data?.predict.modelVersion.version ?? null,
          error: res.errors?.[0]?.message ?? null,
        });
      }
    };
    const streams = [0, 1, 0, 1].map(stream);
    await new Promise((r) => setTimeout(r, 500));
    const movedAt = Date.now();
    const moved = await gql(registry.url, 'mutation { setModelAlias(model: "fleet", alias: "production", version: 2) { alias } }');
    expect(moved.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(streams);

    expect(samples.filter((s) => s.error)).toEqual([]);
    for (const replica of [0, 1]) {
      const mine = samples.filter((s) => s.replica === replica);
      expect(mine.filter((s) => s.startedAt < movedAt).every((s) => s.version === 1)).toBe(true);
      // Once a replica has switched it stays switched, and it switched within a second.
      const firstNew = mine.find((s) => s.version === 2);
      expect(firstNew).toBeDefined();
      expect(firstNew!.startedAt - movedAt).toBeLessThan(1000);
      expect(mine.filter((s) => s.startedAt >= firstNew!.startedAt).every((s) => s.version === 2)).toBe(true);
    }
    expect(samples.length).toBeGreaterThan(100);
  });
});
