import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { createLogger, loadConfig, Metrics } from '@modelplane/core';
import { buildSchema, parse, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_SCHEMA_CHANGED, SubscriptionServer } from './subscription-server';

/**
 * The gateway's subscription server in-process, against a fake subgraph ("ticker") that serves
 * `ticks` over graphql-ws and publishes on demand. Covers what the e2e test cannot do quickly:
 * slow clients, a supergraph update, and a subgraph that goes away and comes back.
 */
const TICKER_SDL = `
  type Query { hello: String }
  type Subscription { ticks(from: Int): Tick! }
  type Tick { n: Int! label: String }
`;

interface Ticker {
  url: string;
  /** Operations the ticker is serving now. */
  active(): number;
  publish(n: number, label?: string): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function startTicker(port = 0): Promise<Ticker> {
  const schema = buildSchema(TICKER_SDL);
  const listeners = new Set<(value: unknown) => void>();
  // An explicit iterator: an async generator cannot be returned while it awaits its next event.
  const ticks = (): AsyncIterableIterator<unknown> => {
    const queue: unknown[] = [];
    let wake: ((result: IteratorResult<unknown>) => void) | undefined;
    const push = (value: unknown) => {
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value, done: false });
      } else queue.push(value);
    };
    listeners.add(push);
    const iterator: AsyncIterableIterator<unknown> = {
      next: () =>
        queue.length
          ? Promise.resolve({ value: queue.shift(), done: false })
          : listeners.has(push)
            ? new Promise((resolve) => (wake = resolve))
            : Promise.resolve({ value: undefined, done: true }),
      return: () => {
        listeners.delete(push);
        wake?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  };
  let http: Server | undefined;
  let wss: WebSocketServer | undefined;
  let boundPort = port;
  const ticker: Ticker = {
    url: '',
    active: () => listeners.size,
    publish: (n, label) => {
      for (const push of [...listeners]) push({ ticks: { n, label: label ?? null } });
    },
    async start() {
      http = createServer();
      wss = new WebSocketServer({ server: http, path: '/graphql' });
      useServer({ schema, roots: { subscription: { ticks } } }, wss, 0);
      await new Promise<void>((resolve) => http!.listen(boundPort, '127.0.0.1', resolve));
      boundPort = (http.address() as AddressInfo).port;
      ticker.url = `http://127.0.0.1:${boundPort}/graphql`;
    },
    /** As a crash looks from outside: connections drop without a close frame. */
    async stop() {
      for (const ws of wss?.clients ?? []) ws.terminate();
      await new Promise<void>((resolve) => wss!.close(() => resolve()));
      await new Promise<void>((resolve) => http!.close(() => resolve()));
    },
  };
  await ticker.start();
  return ticker;
}

function supergraphFor(tickerUrl: string) {
  const result = composeServices([
    {
      name: 'ticker',
      typeDefs: parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n${TICKER_SDL}`),
      url: tickerUrl,
    },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  const coreSupergraphSdl = result.supergraphSdl;
  return { coreSupergraphSdl, apiSchema: Supergraph.build(coreSupergraphSdl).apiSchema().toGraphQLJSSchema() };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Received {
  events: FormattedExecutionResult[];
  errors: unknown[];
  completed: boolean;
  closes: number[];
}

describe('SubscriptionServer (fake subgraph)', () => {
  let ticker: Ticker;
  let gatewayHttp: Server;
  let server: SubscriptionServer;
  let metrics: Metrics;
  let wsUrl: string;
  const clients: Client[] = [];
  const config = loadConfig({
    SUBSCRIPTION_MAX_BUFFERED_BYTES: String(256 * 1024),
    SUBSCRIPTION_RETRY_MAX_MS: '400',
    WEBSOCKET_KEEPALIVE_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '500',
  });

  const metric = async (name: string) => {
    const text = await metrics.registry.metrics();
    return text
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  };

  const subscribe = (query: string, variables?: Record<string, unknown>, retry = false) => {
    const received: Received = { events: [], errors: [], completed: false, closes: [] };
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: retry ? 5 : 0,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
      on: { closed: (e) => received.closes.push((e as { code: number }).code) },
    });
    clients.push(client);
    const unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (value) => received.events.push(value as FormattedExecutionResult),
        error: (err) => received.errors.push(err),
        complete: () => (received.completed = true),
      },
    );
    return { received, unsubscribe, client };
  };

  beforeEach(async () => {
    ticker = await startTicker();
    metrics = new Metrics('gateway');
    server = new SubscriptionServer({
      config,
      logger: createLogger('gateway', 'silent'),
      metrics,
      dataSource: (_name, url) => new RemoteGraphQLDataSource({ url }),
      subgraphUrl: (_name, url) => url,
    });
    server.updateSchema(supergraphFor(ticker.url));
    gatewayHttp = createServer();
    server.attach(gatewayHttp);
    await new Promise<void>((resolve) => gatewayHttp.listen(0, '127.0.0.1', resolve));
    wsUrl = `ws://127.0.0.1:${(gatewayHttp.address() as AddressInfo).port}/graphql`;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await server.close();
    await new Promise<void>((resolve) => gatewayHttp.close(() => resolve()));
    await ticker.stop().catch(() => undefined);
  });

  it('identical subscriptions share one upstream subscription; the last to leave closes it', async () => {
    const a = subscribe('subscription { ticks { n } }');
    const b = subscribe('subscription   { ticks { n } }'); // same document, other whitespace
    const c = subscribe('subscription ($f: Int) { ticks(from: $f) { n } }', { f: 3 });
    await until(() => ticker.active() === 2);
    expect(await metric('modelplane_gateway_upstream_subscriptions')).toBe(2);
    expect(await metric('modelplane_gateway_client_subscriptions')).toBe(3);
    ticker.publish(1);
    await until(() => a.received.events.length === 1 && b.received.events.length === 1 && c.received.events.length === 1);
    expect(a.received.events[0]).toEqual({ data: { ticks: { n: 1 } } });
    expect(b.received.events[0]).toEqual({ data: { ticks: { n: 1 } } });
    a.unsubscribe();
    await until(async () => (await metric('modelplane_gateway_client_subscriptions')) === 2);
    expect(ticker.active()).toBe(2);
    b.unsubscribe();
    c.unsubscribe();
    await until(() => ticker.active() === 0);
    expect(await metric('modelplane_gateway_upstream_subscriptions')).toBe(0);
    expect(await metric('modelplane_gateway_subscription_events_delivered_total')).toBe(3);
  });

  it('answers queries, invalid documents and bad variables with coded errors, and keeps serving', async () => {
    const query = subscribe('{ hello }');
    const invalid = subscribe('subscription { ticks { nope } }');
    const unparsable = subscribe('subscription {');
    const badVariable = subscribe('subscription ($f: Int) { ticks(from: $f) { n } }', { f: 'three' });
    await until(() => [query, invalid, unparsable, badVariable].every((s) => s.received.errors.length === 1));
    const code = (s: { received: Received }) => (s.received.errors[0] as Array<{ extensions?: { code?: string } }>)[0]?.extensions?.code;
    expect(code(query)).toBe('BAD_REQUEST');
    expect(code(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(code(unparsable)).toBe('GRAPHQL_PARSE_FAILED');
    expect(code(badVariable)).toBe('BAD_USER_INPUT');
    const ok = subscribe('subscription { ticks { n } }');
    await until(() => ticker.active() === 1);
    ticker.publish(7);
    await until(() => ok.received.events.length === 1);
  });

  it('disconnects a client that stops reading (1013) and counts it, while others keep receiving', async () => {
    const healthy = subscribe('subscription { ticks { n label } }');
    // A raw client that subscribes, then stops reading its socket.
    const slow = new WebSocket(wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(JSON.stringify({ type: 'connection_init' }));
    slow.on('error', () => undefined);
    await new Promise((resolve) => slow.once('message', resolve));
    slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { ticks { n label } }' } }));
    await until(() => ticker.active() === 1);
    await until(async () => (await metric('modelplane_gateway_client_subscriptions')) === 2);
    slow.pause();
    const label = 'x'.repeat(16 * 1024);
    let n = 0;
    // Kernel buffers absorb a few MB first; keep publishing (in bursts a reading client absorbs)
    // until the gateway gives up on the one that does not read.
    await until(async () => {
      for (let i = 0; i < 4; i++) ticker.publish(++n, label);
      await new Promise((resolve) => setTimeout(resolve, 2));
      return (await metric('modelplane_gateway_subscription_clients_dropped_total')) === 1;
    }, 20000);
    await until(async () => (await metric('modelplane_gateway_client_subscriptions')) === 1);
    const before = healthy.received.events.length;
    ticker.publish(++n, 'after');
    await until(() => healthy.received.events.some((e) => (e.data as { ticks: { label: string } }).ticks.label === 'after'), 10000);
    expect(healthy.received.events.length).toBeGreaterThan(before);
    slow.terminate();
  });

  it('keeps clients subscribed while the subgraph restarts, and resubscribes upstream with backoff', async () => {
    const s = subscribe('subscription { ticks { n } }');
    await until(() => ticker.active() === 1);
    await ticker.stop();
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await ticker.start();
    await until(() => ticker.active() === 1, 5000);
    // Attempts at ~100, 200, 400, 400… ms after the loss: back within the cap of the restart.
    expect(Date.now() - stoppedAt).toBeLessThan(700 + 1500);
    ticker.publish(2);
    await until(() => s.received.events.length === 1);
    expect(s.received.events[0]).toEqual({ data: { ticks: { n: 2 } } });
    expect(s.received.completed).toBe(false);
    expect(s.received.closes).toEqual([]);
    expect(await metric('modelplane_gateway_upstream_reconnects_total')).toBe(1);
  });

  it('closes websockets with 1012 when the supergraph changes, so clients resubscribe against it', async () => {
    const s = subscribe('subscription { ticks { n } }', undefined, true);
    await until(() => ticker.active() === 1);
    server.updateSchema(supergraphFor(ticker.url));
    await until(() => s.received.closes.includes(CLOSE_SCHEMA_CHANGED));
    // The client library reconnects and resubscribes by itself.
    await until(() => ticker.active() === 1 && s.received.closes.length === 1);
    await until(async () => (await metric('modelplane_gateway_client_subscriptions')) === 1);
    ticker.publish(5);
    await until(() => s.received.events.length === 1);
    expect(s.received.completed).toBe(false);
  });

  it('on close, sends every client 1001 and stops every upstream subscription', async () => {
    const s = subscribe('subscription { ticks { n } }');
    await until(() => ticker.active() === 1);
    await server.close();
    await until(() => s.received.closes.includes(1001));
    await until(() => ticker.active() === 0);
    expect(await metric('modelplane_gateway_upstream_subscriptions')).toBe(0);
  });
});
