import { createTestDatabase, type TestDatabase } from '../support/database';
import { serveNumericModel } from '../support/models';
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
  finishedAt: number;
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
    await serveNumericModel(registry.url, 'fleet', [v1.base64, v2.base64]);
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
          finishedAt: Date.now(),
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
    // Long enough for a steady stream of 100+ requests even on a busy 2-core machine.
    await new Promise((r) => setTimeout(r, 2500));
    running = false;
    await Promise.all(streams);

    expect(samples.filter((s) => s.error)).toEqual([]);
    for (const replica of [0, 1]) {
      const mine = samples.filter((s) => s.replica === replica);
      expect(mine.filter((s) => s.finishedAt < movedAt).every((s) => s.version === 1)).toBe(true);
      // Once a replica has answered with the new version it stays switched (requests sent after
      // that answer arrived; concurrent ones may have been routed a moment before), and it
      // switched within a second.
      const firstNew = mine.find((s) => s.version === 2);
      expect(firstNew).toBeDefined();
      expect(firstNew!.startedAt - movedAt).toBeLessThan(1000);
      expect(mine.filter((s) => s.startedAt > firstNew!.finishedAt).every((s) => s.version === 2)).toBe(true);
    }
    expect(samples.length).toBeGreaterThan(100);
  });

  it('once setModelAlias or rollbackModel has answered, the next prediction on every replica uses the new version', async () => {
    const predictOn = async (replica: ServiceProcess) =>
      (
        await gql<{ predict: { modelVersion: { version: number } } }>(
          replica.url,
          'query { predict(model: "fleet", features: { a: 1, b: 2 }) { modelVersion { version } } }',
        )
      ).data?.predict.modelVersion.version;
    // Both replicas have the model loaded (a cold replica would load the new state anyway).
    await Promise.all(replicas.map(predictOn));
    const current = (await predictOn(replicas[0]!))!;
    // Other clients keep both replicas busy meanwhile (a busy replica reads the change later).
    let busy = true;
    const background = [0, 1, 0, 1, 0, 1].map(async (r) => {
      while (busy) await predictOn(replicas[r]!).catch(() => undefined);
    });
    const seen: Array<{ move: number; expected: number; got: (number | undefined)[] }> = [];
    for (let move = 0; move < 20; move++) {
      const expected = (current + move) % 2 === 1 ? 2 : 1;
      const res =
        expected === 2
          ? await gql(registry.url, 'mutation { setModelAlias(model: "fleet", alias: "production", version: 2) { alias } }')
          : await gql(registry.url, 'mutation { rollbackModel(model: "fleet", reason: "test") { toVersion { version } } }');
      expect(res.errors).toBeUndefined();
      seen.push({ move, expected, got: await Promise.all(replicas.map(predictOn)) });
    }
    busy = false;
    await Promise.all(background);
    expect(seen.filter((s) => s.got.some((v) => v !== s.expected))).toEqual([]);
  });

  it('once setTrafficSplit or clearTrafficSplit has answered on one replica, the next prediction on the other routes by it', async () => {
    const route = async (replica: ServiceProcess) =>
      (await gql<{ predict: { route: string } }>(replica.url, 'query { predict(model: "fleet", features: { a: 1, b: 2 }) { route } }')).data
        ?.predict.route;
    await gql(registry.url, 'mutation { setModelAlias(model: "fleet", alias: "production", version: 1) { alias } }');
    let busy = true;
    const background = [0, 1, 0, 1].map(async (r) => {
      while (busy) await route(replicas[r]!).catch(() => undefined);
    });
    const seen: Array<{ round: number; canary: string | undefined; cleared: string | undefined }> = [];
    for (let round = 0; round < 10; round++) {
      const [a, b] = round % 2 ? [replicas[1]!, replicas[0]!] : [replicas[0]!, replicas[1]!];
      const set = await gql(a.url, 'mutation { setTrafficSplit(model: "fleet", canaryVersion: 2, percent: 100) { percent } }');
      expect(set.errors).toBeUndefined();
      const canary = await route(b);
      const cleared = await gql(b.url, 'mutation { clearTrafficSplit(model: "fleet") { percent } }');
      expect(cleared.errors).toBeUndefined();
      seen.push({ round, canary, cleared: await route(a) });
    }
    busy = false;
    await Promise.all(background);
    expect(seen.filter((s) => s.canary !== 'CANARY' || s.cleared !== 'PRODUCTION')).toEqual([]);
  });

  it('a replica that died holds alias moves up for at most SERVING_ACK_TIMEOUT_MS, and once it is gone not at all', async () => {
    const dead = replicas.pop()!;
    await dead.stop('SIGKILL');
    const timed = async (version: number) => {
      const started = Date.now();
      const res = await gql(registry.url, `mutation { setModelAlias(model: "fleet", alias: "production", version: ${version}) { alias } }`);
      expect(res.errors).toBeUndefined();
      return Date.now() - started;
    };
    // Its last heartbeat is recent: the move waits for it, up to the 2 s default, then answers.
    expect(await timed(1)).toBeLessThan(4000);
    // Three and a half heartbeats later it no longer counts as live.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await timed(2)).toBeLessThan(1000);
  });
});
