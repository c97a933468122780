import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { childPid, gql, startPlatform, type Platform } from '../support/processes';
import { sleep, steadyLoad, type Sample } from './helpers';

/**
 * kill -9 of one subgraph (experiments) under steady load through the gateway: operations that do
 * not touch it keep succeeding, its fields come back as coded errors next to the other fields'
 * data (never a crash or a hang), the `all` supervisor restarts it, and the gateway recovers by
 * itself. The recovery time is printed.
 */
const MODEL = 'crash';
const TIMEOUT_MS = 3000;
type Kind = 'predict' | 'others' | 'experiments' | 'experimentsOnly';
const QUERIES: Record<Kind, string> = {
  predict: `{ predict(model: "${MODEL}", features: { x: 0.5 }) { id score } }`,
  // registry + prediction + monitoring
  others: `{ model(name: "${MODEL}") { name productionVersion { version } trafficSplit { percent } alertRules { id } } }`,
  // registry + experiments (latestRun is nullable, so the rest of the answer survives its failure)
  experiments: `{ model(name: "${MODEL}") { name latestRun { id } } }`,
  // experiments alone: one fetch, so the gateway's fast path forwards it
  experimentsOnly: `{ runs(model: "${MODEL}") { id } }`,
};

describe('a subgraph killed with SIGKILL under load', () => {
  let db: TestDatabase;
  let platform: Platform;
  let runId: string;
  let degradedPlanned: Sample<Kind>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('faults_crash');
    platform = await startPlatform(db.url, undefined, { SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS) });
    const ok = async (query: string, variables?: Record<string, unknown>) => {
      const res = await gql<Record<string, { id?: string }>>(platform.url, query, variables);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data!;
    };
    await ok('mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
      i: { name: MODEL, task: 'BINARY_CLASSIFICATION', features: [{ name: 'x', type: 'NUMERIC' }] },
    });
    await ok('mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
      i: { model: MODEL, onnxBase64: logisticModel([1.5], -0.5).base64 },
    });
    await ok(`mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 1) { alias } }`);
    await ok(`mutation { createAlertRule(input: { model: "${MODEL}", kind: LATENCY, threshold: 1000 }) { id } }`);
    runId = (await ok(`mutation { startRun(input: { model: "${MODEL}" }) { id } }`)).startRun!.id!;
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  it('fails only the dead subgraph’s fields, without hanging, and recovers by itself once the supervisor restarts it', async () => {
    const load = steadyLoad<Kind>(6, ['predict', 'others', 'experiments', 'experimentsOnly'], (kind) =>
      withTimeout(gql(platform.url, QUERIES[kind]), TIMEOUT_MS + 2000),
    );
    await sleep(1000);
    const victim = childPid(platform.child.pid!, 'experiments');
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');

    // Run until the experiments fields have answered again for a whole second (bounded).
    const deadline = killedAt + 20000;
    let recoveredAt: number | null = null;
    while (Date.now() < deadline) {
      await sleep(100);
      const after = load.samples.filter((s) => s.kind === 'experiments' && s.startedAt > killedAt);
      const lastFailure = Math.max(killedAt, ...after.filter((s) => !answeredFully(s)).map((s) => s.startedAt));
      const firstGood = after.find((s) => answeredFully(s) && s.startedAt > lastFailure);
      if (firstGood && after.some((s) => s.startedAt > firstGood.startedAt + 1000)) {
        recoveredAt = firstGood.startedAt;
        break;
      }
    }
    await load.stop();
    const { samples } = load;

    // Operations that never touch experiments did not notice.
    const untouched = samples.filter((s) => s.kind === 'predict' || s.kind === 'others');
    expect(untouched.filter((s) => !answeredFully(s)).map(explain)).toEqual([]);
    expect(untouched.filter((s) => s.startedAt > killedAt).length).toBeGreaterThan(20);

    // The experiments operation: a full answer, or the registry's part with latestRun as a coded error.
    const experiments = samples.filter((s) => s.kind === 'experiments');
    const degraded = experiments.filter((s) => !answeredFully(s));
    expect(degraded.length).toBeGreaterThan(0);
    for (const s of degraded) {
      expect(s.failure).toBeNull();
      expect(s.body?.data).toEqual({ model: { name: MODEL, latestRun: null } });
      for (const e of s.body!.errors!) {
        expect(typeof e.extensions?.code).toBe('string');
        expect(e.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      }
    }
    degradedPlanned = degraded;
    // The fast path (one fetch, forwarded as is) names the unavailable subgraph.
    const onlyExperiments = samples.filter((s) => s.kind === 'experimentsOnly' && !answeredFully(s));
    expect(onlyExperiments.length).toBeGreaterThan(0);
    for (const s of onlyExperiments) {
      expect(s.body?.data ?? null).toBeNull();
      expect(s.body?.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'experiments' });
    }
    // Nothing hung: every request, failed or not, was answered well within the subgraph timeout.
    expect(Math.max(...samples.map((s) => s.finishedAt - s.startedAt))).toBeLessThan(TIMEOUT_MS);

    // The supervisor restarted experiments (a new process) and the gateway found it again by itself.
    expect(recoveredAt).not.toBeNull();
    const restarted = childPid(platform.child.pid!, 'experiments');
    expect(restarted).not.toBe(victim);
    const afterRecovery = samples.filter((s) => s.kind.startsWith('experiments') && s.startedAt >= recoveredAt!);
    expect(afterRecovery.filter((s) => !answeredFully(s)).map(explain)).toEqual([]);
    const codes = [...new Set(degraded.flatMap((s) => s.body!.errors!.map((e) => e.extensions?.code)))];
    console.log(
      `experiments SIGKILLed: recovered after ${recoveredAt! - killedAt} ms; ${degraded.length} of ${experiments.length} experiments requests ` +
        `answered without latestRun (codes ${codes.join(', ')}); ${untouched.length} other requests, all answered`,
    );
    expect((await fetch(`${platform.base}/health/ready`)).status).toBe(200);
  });

  it('names the unavailable subgraph and the failed field on planned operations, as the fast path does', () => {
    expect(degradedPlanned.length).toBeGreaterThan(0);
    for (const s of degradedPlanned)
      for (const e of s.body!.errors!) {
        expect(e.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'experiments' });
        expect(e.path).toEqual(['model', 'latestRun']);
      }
  });

  function answeredFully(s: Sample<Kind>): boolean {
    if (s.failure || !s.body || s.body.errors?.length || !s.body.data) return false;
    if (s.kind === 'experiments') return (s.body.data.model as { latestRun: { id: string } | null }).latestRun?.id === runId;
    return true;
  }
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function explain(s: Sample): string {
  return `${s.kind} at +${s.startedAt}: ${s.failure ?? JSON.stringify(s.body?.errors)}`;
}
