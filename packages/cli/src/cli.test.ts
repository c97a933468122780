import { ModelplaneClientError, type ClientOptions, type ModelplaneClient } from '@modelplane/client';
import type { DocumentNode } from 'graphql';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';

/**
 * The command line in-process against a fake client: argument handling, output, exit codes and
 * error messages. tests/e2e/cli.e2e.test.ts runs the built CLI against the real platform.
 */
type Handler = (variables: Record<string, unknown>) => unknown;

function operationName(document: DocumentNode): string {
  const op = document.definitions.find((d) => d.kind === 'OperationDefinition');
  return (op && 'name' in op && op.name?.value) || '?';
}

function fakeClient(handlers: Record<string, Handler>, events: Record<string, unknown[]> = {}) {
  const calls: Array<{ operation: string; variables: Record<string, unknown> }> = [];
  const options: ClientOptions[] = [];
  const factory = (o: ClientOptions): ModelplaneClient => {
    options.push(o);
    return {
      endpoint: o.endpoint,
      async request(document: DocumentNode, variables?: Record<string, unknown>) {
        const operation = operationName(document);
        calls.push({ operation, variables: variables ?? {} });
        const handler = handlers[operation];
        if (!handler) throw new Error(`unexpected operation ${operation}`);
        return handler(variables ?? {});
      },
      subscribe(document: DocumentNode, _variables?: unknown, subscribeOptions?: { onConnected?: () => void }) {
        const list = events[operationName(document)] ?? [];
        subscribeOptions?.onConnected?.();
        return (async function* () {
          yield* list;
        })();
      },
      close: async () => undefined,
    } as unknown as ModelplaneClient;
  };
  return { factory, calls, options };
}

async function cli(argv: string[], client: ReturnType<typeof fakeClient>, env: Record<string, string> = {}, cwd = tmpdir()) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c), isTTY: false }, env, cwd },
    client.factory,
  );
  return { code, stdout, stderr };
}

const notFound = (message: string) => () => {
  throw new ModelplaneClientError(message, { code: 'NOT_FOUND', errors: [{ message, extensions: { code: 'NOT_FOUND' } }] });
};

const models = {
  models: [
    {
      name: 'churn',
      task: 'BINARY_CLASSIFICATION',
      description: null,
      productionVersion: { version: 1 },
      latestVersion: { version: 2 },
      aliases: [
        { alias: 'production', version: { version: 1 } },
        { alias: 'challenger', version: { version: 2 } },
      ],
    },
  ],
};

const churnSchema = {
  model: {
    name: 'churn',
    task: 'BINARY_CLASSIFICATION',
    labels: ['stay', 'churn'],
    features: [
      { name: 'tenure', type: 'NUMERIC', categories: null },
      { name: 'plan', type: 'CATEGORICAL', categories: ['basic', 'pro'] },
    ],
  },
};

describe('modelplane CLI', () => {
  it('prints a table, or JSON with --json, from the configured endpoint and key', async () => {
    const client = fakeClient({ ModelList: () => models });
    const text = await cli(['models', 'list'], client, { MODELPLANE_URL: 'http://mp:4000/graphql', MODELPLANE_API_KEY: 'k1' });
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^NAME\s+TASK\s+PRODUCTION\s+LATEST\s+ALIASES$/);
    expect(text.stdout).toContain('churn  BINARY_CLASSIFICATION  v1          v2      production=v1 challenger=v2');
    expect(client.options[0]).toMatchObject({ endpoint: 'http://mp:4000/graphql', apiKey: 'k1' });

    // Flags win over the environment; --json prints the data.
    const json = await cli(['--json', 'models', 'list', '--endpoint', 'http://other/graphql', '--key', 'k2'], client, {
      MODELPLANE_API_KEY: 'k1',
    });
    expect(JSON.parse(json.stdout)).toEqual(models.models);
    expect(client.options[1]).toMatchObject({ endpoint: 'http://other/graphql', apiKey: 'k2' });
  });

  it('uses http://localhost:4000/graphql without configuration', async () => {
    const client = fakeClient({ ModelList: () => ({ models: [] }) });
    const { code, stdout } = await cli(['models', 'list'], client);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No models yet/);
    expect(client.options[0]).toMatchObject({ endpoint: 'http://localhost:4000/graphql', apiKey: undefined });
  });

  it('exits 2 with the usage on usage errors, 0 with help on --help', async () => {
    const client = fakeClient({});
    const missing = await cli(['rollback'], client);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe(
      "error: --model is required\nusage: modelplane rollback --model NAME [--to VERSION] [--reason TEXT]\nRun 'modelplane rollback --help' for its options.\n",
    );
    expect((await cli(['rollback', '--model', 'm', '--to', 'latest'], client)).stderr).toMatch(/^error: --to must be a whole number/);
    expect((await cli(['predict', '--model', 'm', '--input', 'x.txt'], client)).code).toBe(2);
    expect((await cli(['frobnicate'], client)).stderr).toMatch(/^error: unknown command "frobnicate"\n\nUsage: modelplane <command>/);
    expect((await cli(['models', 'lsit'], client)).stderr).toMatch(/^error: unknown command "models lsit"/);
    expect((await cli([], client)).code).toBe(2);
    expect((await cli(['--endpoint', 'localhost:4000', 'models', 'list'], client)).stderr).toMatch(/the endpoint must be an http\(s\) URL/);
    expect(client.calls).toEqual([]);

    const help = await cli(['models', 'push', '--help'], client);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: modelplane models push FILE.onnx --model NAME/);
    expect(help.stdout).toContain('--categorical NAME=a,b,c');
    expect((await cli(['--help'], client)).stdout).toContain('alerts [--model NAME] [--kind KIND]... [--follow [--count N]]');
    expect((await cli(['runs', '--help'], client)).stdout).toContain('Commands of modelplane runs:');
  });

  it('exits 1 with the server message and code, plus a hint; as JSON on stderr with --json', async () => {
    const client = fakeClient({ RollbackModel: notFound('model "ghost" does not exist') });
    const text = await cli(['rollback', '--model', 'ghost'], client);
    expect(text).toEqual({ code: 1, stdout: '', stderr: 'error: model "ghost" does not exist (NOT_FOUND)\n' });
    const json = await cli(['rollback', '--model', 'ghost', '--json'], client);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: { message: 'model "ghost" does not exist', code: 'NOT_FOUND' } });

    const down = fakeClient({
      ModelList: () => {
        throw new ModelplaneClientError('cannot reach http://localhost:4000/graphql: connect ECONNREFUSED 127.0.0.1:4000', {
          code: 'NETWORK_ERROR',
        });
      },
    });
    const refused = await cli(['models', 'list'], down);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(NETWORK_ERROR)\nhint: is the server running? Set the endpoint with --endpoint or MODELPLANE_URL\n');
  });

  it('models push registers a missing model with --register, in flag order, then uploads the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-push-'));
    await writeFile(join(dir, 'm.onnx'), Buffer.from([1, 2, 3]));
    const client = fakeClient({
      ModelSchema: () => ({ model: null }),
      RegisterModel: (v) => ({ registerModel: { name: (v.input as { name: string }).name, task: 'BINARY_CLASSIFICATION', features: [] } }),
      CreateModelVersion: () => ({
        createModelVersion: { id: '1', version: 1, digest: 'ab'.repeat(32), sizeBytes: 3, status: 'CANDIDATE' },
      }),
      MoveModelAlias: () => ({ setModelAlias: { alias: 'production', version: { version: 1, status: 'PRODUCTION' } } }),
    });
    const without = await cli(['models', 'push', 'm.onnx', '--model', 'churn'], client, {}, dir);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/model "churn" does not exist: add --register/);

    const args = ['models', 'push', 'm.onnx', '--model', 'churn', '--register', '--feature', 'tenure', '--categorical', 'plan=basic,pro'];
    const pushed = await cli([...args, '--labels', 'stay,churn', '--alias', 'production'], client, {}, dir);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toBe(
      'Registered model churn (BINARY_CLASSIFICATION, 2 features)\n' +
        'Pushed churn v1: sha256 abababababab…, 3 B, CANDIDATE\n' +
        'churn: production → v1 (PRODUCTION)\n',
    );
    const register = client.calls.find((c) => c.operation === 'RegisterModel')!;
    expect(register.variables.input).toEqual({
      name: 'churn',
      task: 'BINARY_CLASSIFICATION',
      features: [
        { name: 'tenure', type: 'NUMERIC' },
        { name: 'plan', type: 'CATEGORICAL', categories: ['basic', 'pro'] },
      ],
      labels: ['stay', 'churn'],
      description: undefined,
    });
    expect(client.calls.find((c) => c.operation === 'CreateModelVersion')!.variables.input).toMatchObject({
      model: 'churn',
      onnxBase64: 'AQID',
    });

    const missingFile = await cli(['models', 'push', 'nope.onnx', '--model', 'churn'], client, {}, dir);
    expect(missingFile).toMatchObject({ code: 1, stderr: 'error: cannot read the ONNX file nope.onnx: no such file (FILE_ERROR)\n' });
  });

  it('models push refuses a schema that differs from the registered model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-push-'));
    await writeFile(join(dir, 'm.onnx'), Buffer.from([1]));
    const client = fakeClient({ ModelSchema: () => churnSchema });
    const res = await cli(
      ['models', 'push', 'm.onnx', '--model', 'churn', '--feature', 'plan:categorical=basic,pro', '--feature', 'tenure'],
      client,
      {},
      dir,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the feature schema differs from the registered model "churn"');
    expect(client.calls.map((c) => c.operation)).toEqual(['ModelSchema']);
  });

  it('predict sends typed rows in batches and writes the input with the predictions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-predict-'));
    await writeFile(join(dir, 'rows.csv'), 'id,tenure,plan\na,1,basic\nb,2,pro\nc,3,basic\nd,4,pro\ne,5,basic\n');
    const client = fakeClient({
      ModelSchema: () => churnSchema,
      PredictRows: (v) => ({
        predictBatch: (v.rows as Array<{ tenure: number }>).map((r) => ({
          id: `p${r.tenure}`,
          label: r.tenure > 2 ? 'churn' : 'stay',
          score: r.tenure / 10,
          version: 1,
          route: 'PRODUCTION',
          probabilities: null,
        })),
      }),
    });
    const res = await cli(
      ['predict', '--model', 'churn', '--input', 'rows.csv', '--output', 'out.csv', '--batch-size', '2', '--progress'],
      client,
      {},
      dir,
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('Predicted 5 rows with churn v1 → out.csv\n');
    // --progress draws on stderr although it is not a terminal.
    expect(res.stderr).toContain('predict churn [========================] 100% 5/5 rows');
    const batches = client.calls.filter((c) => c.operation === 'PredictRows');
    expect(batches.map((b) => (b.variables.rows as unknown[]).length)).toEqual([2, 2, 1]);
    expect(batches[0]!.variables.rows).toEqual([
      { tenure: 1, plan: 'basic' },
      { tenure: 2, plan: 'pro' },
    ]);
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(
      'id,tenure,plan,prediction_id,predicted_label,predicted_score,model_version\n' +
        'a,1,basic,p1,stay,0.1,1\nb,2,pro,p2,stay,0.2,1\nc,3,basic,p3,churn,0.3,1\nd,4,pro,p4,churn,0.4,1\ne,5,basic,p5,churn,0.5,1\n',
    );
  });

  it('predict says which input rows a refused batch held', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-predict-'));
    await writeFile(join(dir, 'rows.json'), JSON.stringify([{ tenure: 1, plan: 'gold' }]));
    const client = fakeClient({
      ModelSchema: () => churnSchema,
      PredictRows: () => {
        throw new ModelplaneClientError('feature plan has unknown category "gold"', { code: 'BAD_USER_INPUT' });
      },
    });
    const res = await cli(['predict', '--model', 'churn', '--input', 'rows.json'], client, {}, dir);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toBe('error: row 1 of rows.json: feature plan has unknown category "gold" (BAD_USER_INPUT)\n');
  });

  it('alerts --follow prints each alert until --count, as NDJSON with --json', async () => {
    const alert = (id: string, status: string) => ({
      id,
      kind: 'LATENCY',
      severity: 'WARNING',
      status,
      message: 'p95 latency is high',
      value: 12,
      threshold: 1,
      version: null,
      firedAt: '2026-11-22T10:00:00.000Z',
      acknowledgedAt: null,
      resolvedAt: status === 'RESOLVED' ? '2026-11-22T10:05:00.000Z' : null,
      model: { name: 'churn' },
    });
    const client = fakeClient(
      { ModelSchema: () => churnSchema },
      { FollowAlerts: [{ alerts: alert('1', 'FIRING') }, { alerts: alert('1', 'RESOLVED') }, { alerts: alert('2', 'FIRING') }] },
    );
    const res = await cli(['alerts', '--model', 'churn', '--follow', '--count', '2'], client);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('Following alerts of churn (Ctrl-C to stop)\n');
    expect(res.stdout.trim().split('\n')).toEqual([
      '2026-11-22 10:00:00Z  FIRING        WARNING   LATENCY     churn  p95 latency is high',
      '2026-11-22 10:05:00Z  RESOLVED      WARNING   LATENCY     churn  p95 latency is high',
    ]);
    const json = await cli(['alerts', '--model', 'churn', '--follow', '--count', '1', '--json'], client);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(['1']);
    // The subscription ending before --count is an error: alerts never end by themselves.
    const ended = await cli(
      ['alerts', '--follow', '--count', '5'],
      fakeClient({ AlertList: () => ({ alerts: [] }) }, { FollowAlerts: [{ alerts: alert('1', 'FIRING') }] }),
    );
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('error: the server ended the alerts subscription after 1 alert (SUBSCRIPTION_ENDED)');
  });

  it('keys create, list and revoke (by id or key id)', async () => {
    const key = {
      id: '3f2c9a61-0000-4000-8000-000000000001',
      keyId: 'a1b2c3d4e5f6',
      name: 'ci',
      role: 'OPERATOR',
      createdBy: 'key:admin',
      createdAt: '2026-11-22T10:00:00.000Z',
      revokedAt: null,
      lastUsedAt: null,
    };
    const client = fakeClient({
      CreateApiKey: (v) => ({ createApiKey: { key: 'mp_a1b2c3d4e5f6_secret', apiKey: { ...key, role: v.role } } }),
      ApiKeyList: () => ({ apiKeys: [key] }),
      RevokeApiKey: (v) => ({ revokeApiKey: { ...key, id: v.id, revokedAt: '2026-11-22T11:00:00.000Z' } }),
    });
    const created = await cli(['keys', 'create', '--name', 'ci', '--role', 'operator'], client);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('mp_a1b2c3d4e5f6_secret\n');
    expect(created.stderr).toContain('shown only now');
    expect(client.calls[0]).toEqual({ operation: 'CreateApiKey', variables: { name: 'ci', role: 'OPERATOR' } });
    const listed = await cli(['keys', 'list'], client);
    expect(listed.stdout).toContain('a1b2c3d4e5f6  ci    operator');
    expect(listed.stdout).toContain('active');
    const revoked = await cli(['keys', 'revoke', 'a1b2c3d4e5f6'], client);
    expect(revoked.code).toBe(0);
    expect(client.calls.at(-1)).toEqual({ operation: 'RevokeApiKey', variables: { id: key.id } });
    expect((await cli(['keys', 'revoke', 'nope'], client)).stderr).toContain('no API key with id or key id "nope"');
    expect((await cli(['keys', 'create', '--name', 'ci'], client)).stderr).toBe(
      "error: --role is required\nusage: modelplane keys create --name NAME --role viewer|operator|admin\nRun 'modelplane keys create --help' for its options.\n",
    );
    expect((await cli(['keys', 'create', '--name', 'ci', '--role', 'root'], client)).code).toBe(2);
  });
});
