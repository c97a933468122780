import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { childPid, gql, startPlatform, TEST_ADMIN_KEY, type Platform } from '../support/processes';
import { registerNumericModel } from '../support/models';
import { until as waitUntil } from '../support/wait';

/**
 * Federated subscriptions through the gateway, with real processes and a real graphql-ws client
 * over a real WebSocket: the root field from the registry over graphql-ws, the rest of each event
 * from the other subgraphs over HTTP; shared upstreams, errors, a registry crash, and SIGTERM.
 */
const MODEL = 'subscribed';
const EVENTS = `subscription ModelEvents($model: String) {
  modelEvents(model: $model) { kind alias toVersion model { name trafficSplit { percent } latestRun { id } } }
}`;
const ALIAS = `mutation($model: String!, $alias: String!, $version: Int!) {
  setModelAlias(model: $model, alias: $alias, version: $version) { alias }
}`;

interface ModelEventData {
  modelEvents: { kind: string; alias: string | null; toVersion: number | null; model?: Record<string, unknown> };
}

interface Subscriber {
  events: FormattedExecutionResult<ModelEventData>[];
  errors: unknown[];
  completed: boolean;
  closes: number[];
  unsubscribe: () => void;
  /** Resolves with the next event that satisfies `match` (already received ones included). */
  next(
    match?: (e: FormattedExecutionResult<ModelEventData>) => boolean,
    timeoutMs?: number,
  ): Promise<FormattedExecutionResult<ModelEventData>>;
}

const until = (condition: () => boolean | Promise<boolean>, timeoutMs = 10000) => waitUntil('the condition', condition, timeoutMs, 25);

/** Sum of a Prometheus metric's samples whose line contains every given fragment. */
async function metric(base: string, name: string, ...fragments: string[]): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && fragments.every((f) => line.includes(f)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('federated subscriptions through the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;
  let wsUrl: string;
  let registryBase: string;
  const clients: Client[] = [];
  const v1 = logisticModel([0.5, -0.25], 0.1);

  const subscribe = (query: string, variables?: Record<string, unknown>): Subscriber => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      // Reconnects would hide what the gateway did to the socket: every close is recorded instead.
      retryAttempts: 0,
      on: { closed: (e) => sub.closes.push((e as { code: number }).code) },
    });
    clients.push(client);
    const waiters = new Set<() => void>();
    const sub: Subscriber = {
      events: [],
      errors: [],
      completed: false,
      closes: [],
      unsubscribe: () => undefined,
      async next(match = () => true, timeoutMs = 10000) {
        let seen = 0;
        const find = () => sub.events.slice(seen).find(match);
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = find();
          if (found) return found;
          seen = sub.events.length;
          if (Date.now() > deadline)
            throw new Error(`no matching event; received ${JSON.stringify(sub.events)} ${JSON.stringify(sub.errors)}`);
          await new Promise<void>((resolve) => {
            const wake = () => {
              waiters.delete(wake);
              resolve();
            };
            waiters.add(wake);
            setTimeout(wake, 100);
          });
        }
      },
    };
    sub.unsubscribe = client.subscribe<ModelEventData, Record<string, unknown>>(
      { query, variables },
      {
        next: (value) => {
          sub.events.push(value);
          for (const wake of [...waiters]) wake();
        },
        error: (err) => sub.errors.push(err),
        complete: () => (sub.completed = true),
      },
    );
    return sub;
  };

  const registrySubscriptions = () => metric(registryBase, 'modelplane_websocket_subscriptions');
  const gatewayUpstreams = () => metric(platform.base, 'modelplane_gateway_upstream_subscriptions', 'subgraph="registry"');

  beforeAll(async () => {
    db = await createTestDatabase('e2e_subscriptions');
    platform = await startPlatform(db.url);
    wsUrl = platform.url.replace(/^http/, 'ws');
    registryBase = `http://127.0.0.1:${platform.ports.REGISTRY_PORT}`;
    await registerNumericModel(platform.url, MODEL, ['x1', 'x2']);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await platform?.stop();
    await db?.drop();
  });

  it('delivers VERSION_CREATED and PROMOTED with fields resolved by the registry, prediction and experiments', async () => {
    const sub = subscribe(EVENTS, { model: MODEL });
    await until(async () => (await registrySubscriptions()) === 1);

    const started = Date.now();
    const created = await gql(platform.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
      i: { model: MODEL, onnxBase64: v1.base64 },
    });
    expect(created.errors).toBeUndefined();
    const versionCreated = await sub.next((e) => e.data?.modelEvents.kind === 'VERSION_CREATED');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(versionCreated).toEqual({
      data: {
        modelEvents: { kind: 'VERSION_CREATED', alias: null, toVersion: 1, model: { name: MODEL, trafficSplit: null, latestRun: null } },
      },
    });
    // The event's `rest` was fetched from the other subgraphs, as for a query.
    const predictionBase = `http://127.0.0.1:${platform.ports.PREDICTION_PORT}`;
    const experimentsBase = `http://127.0.0.1:${platform.ports.EXPERIMENTS_PORT}`;
    expect(
      await metric(predictionBase, 'modelplane_graphql_operation_duration_seconds_count', 'operation="ModelEvents__prediction__'),
    ).toBeGreaterThan(0);
    expect(
      await metric(experimentsBase, 'modelplane_graphql_operation_duration_seconds_count', 'operation="ModelEvents__experiments__'),
    ).toBeGreaterThan(0);

    const promoted = await gql(platform.url, ALIAS, { model: MODEL, alias: 'production', version: 1 });
    expect(promoted.errors).toBeUndefined();
    const event = await sub.next((e) => e.data?.modelEvents.kind === 'PROMOTED');
    expect(event.data?.modelEvents).toMatchObject({ kind: 'PROMOTED', alias: 'production', toVersion: 1, model: { name: MODEL } });
    expect(event.errors).toBeUndefined();
    expect(sub.errors).toEqual([]);
    sub.unsubscribe();
    await until(async () => (await registrySubscriptions()) === 0);
  });

  it('gives identical subscriptions of several clients one upstream subscription, closed when the last leaves', async () => {
    const query = 'subscription Shared($model: String) { modelEvents(model: $model) { kind alias } }';
    const a = subscribe(query, { model: MODEL });
    const b = subscribe(query, { model: MODEL });
    await until(async () => (await metric(platform.base, 'modelplane_gateway_client_subscriptions')) === 2);
    expect(await gatewayUpstreams()).toBe(1);
    await until(async () => (await registrySubscriptions()) === 1);

    expect((await gql(platform.url, ALIAS, { model: MODEL, alias: 'staging', version: 1 })).errors).toBeUndefined();
    const isStaging = (e: FormattedExecutionResult<ModelEventData>) => e.data?.modelEvents.alias === 'staging';
    expect((await a.next(isStaging)).data).toEqual({ modelEvents: { kind: 'ALIAS_SET', alias: 'staging' } });
    expect((await b.next(isStaging)).data).toEqual({ modelEvents: { kind: 'ALIAS_SET', alias: 'staging' } });

    a.unsubscribe();
    await until(async () => (await metric(platform.base, 'modelplane_gateway_client_subscriptions')) === 1);
    expect(await gatewayUpstreams()).toBe(1);
    b.unsubscribe();
    await until(async () => (await gatewayUpstreams()) === 0);
    await until(async () => (await registrySubscriptions()) === 0);
  });

  it('answers a bad model name with BAD_USER_INPUT, and bad documents with coded errors, without harm', async () => {
    const bad = subscribe('subscription { modelEvents(model: "no such/model!") { kind } }');
    await until(() => bad.completed || bad.errors.length > 0);
    expect(bad.events).toHaveLength(1);
    expect(bad.events[0]!.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const invalid = subscribe('subscription { modelEvents { kind nope } }');
    const query = subscribe('{ models { name } }');
    await until(() => invalid.errors.length > 0 && query.errors.length > 0);
    const code = (s: Subscriber) => (s.errors[0] as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code;
    expect(code(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(code(query)).toBe('BAD_REQUEST');

    // Over HTTP POST a subscription is a client error that points to the websocket.
    const overHttp = await fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ query: 'subscription { modelEvents { kind } }' }),
    });
    expect(overHttp.status).toBe(400);
    expect(((await overHttp.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('BAD_REQUEST');

    expect((await fetch(`${platform.base}/health/ready`)).status).toBe(200);
    expect(await gatewayUpstreams()).toBe(0);
  });

  it('keeps clients subscribed while the registry crashes and restarts, and resubscribes upstream', async () => {
    const sub = subscribe(EVENTS, { model: MODEL });
    await until(async () => (await registrySubscriptions()) === 1);
    const reconnectsBefore = await metric(platform.base, 'modelplane_gateway_upstream_reconnects_total', 'subgraph="registry"');

    process.kill(childPid(platform.child.pid!, 'registry'), 'SIGKILL');
    // The supervisor restarts the registry; until the gateway has resubscribed, events are not
    // seen (nothing replays them), so keep moving an alias until one arrives.
    let n = 0;
    await until(async () => {
      await gql(platform.url, ALIAS, { model: MODEL, alias: `restart${n++ % 2}`, version: 1 }).catch(() => undefined);
      return sub.events.some((e) => e.data?.modelEvents.alias?.startsWith('restart'));
    }, 15000);
    expect(await metric(platform.base, 'modelplane_gateway_upstream_reconnects_total', 'subgraph="registry"')).toBeGreaterThan(
      reconnectsBefore,
    );
    expect(sub.completed).toBe(false);
    expect(sub.errors).toEqual([]);
    expect(sub.closes).toEqual([]);
  });

  it('closes client websockets with 1001 on SIGTERM before the gateway drains', async () => {
    const clientSubscriptions = () => metric(platform.base, 'modelplane_gateway_client_subscriptions');
    const before = await clientSubscriptions();
    const sub = subscribe(EVENTS, { model: MODEL });
    await until(async () => (await clientSubscriptions()) === before + 1);
    expect(await platform.stop('SIGTERM')).toBe(0);
    await until(() => sub.closes.length > 0);
    expect(sub.closes[0]).toBe(1001);
  });
});
