import { buildSchema, GraphQLError, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import {
  createClient,
  ModelplaneClientError,
  ModelListDocument,
  PredictRowsDocument,
  websocketUrl,
  type TypedDocumentNode,
} from '@modelplane/client';
import { freePort } from './support/global-setup';

/**
 * The typed client against a fake fetch (HTTP: what it sends, how it reports errors) and an
 * in-process graphql-ws server (subscriptions: auth in connectionParams, events, errors, closing).
 * The e2e tests (tests/e2e/cli.e2e.test.ts) use it against the real gateway.
 */
interface Sent {
  url: string;
  headers: Record<string, string>;
  body: { query: string; operationName?: string; variables: Record<string, unknown> };
}

function fakeFetch(respond: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    const entry = { url: String(url), headers: init?.headers as Record<string, string>, body: JSON.parse(String(init?.body)) };
    sent.push(entry);
    return respond(entry);
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('client over HTTP', () => {
  it('POSTs the printed operation with its name and variables, the key and extra headers, and resolves with data', async () => {
    const { fetch, sent } = fakeFetch(() => json({ data: { models: [] } }));
    const client = createClient({ endpoint: 'http://mp.test/graphql', apiKey: 'secret', headers: { 'x-request-id': 'r1' }, fetch });
    const data = await client.request(ModelListDocument);
    expect(data).toEqual({ models: [] });
    expect(sent[0]!.url).toBe('http://mp.test/graphql');
    expect(sent[0]!.headers).toMatchObject({ authorization: 'Bearer secret', 'x-request-id': 'r1', 'content-type': 'application/json' });
    expect(sent[0]!.body.operationName).toBe('ModelList');
    expect(parse(sent[0]!.body.query).definitions).toHaveLength(1);
    expect(sent[0]!.body.variables).toEqual({});

    await client.request(PredictRowsDocument, { model: 'churn', rows: [{ tenure: 1 }], alias: 'challenger' });
    expect(sent[1]!.body).toMatchObject({
      operationName: 'PredictRows',
      variables: { model: 'churn', rows: [{ tenure: 1 }], alias: 'challenger' },
    });
  });

  it('throws ModelplaneClientError with the first error code, every error, the status and partial data', async () => {
    const errors = [
      { message: 'model "x" does not exist', extensions: { code: 'NOT_FOUND' } },
      { message: 'second', extensions: { code: 'FORBIDDEN' } },
    ];
    const { fetch } = fakeFetch(() => json({ data: null, errors }, 200));
    const err = await createClient({ endpoint: 'http://mp.test/graphql', fetch })
      .request(ModelListDocument)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelplaneClientError);
    expect(err).toMatchObject({
      code: 'NOT_FOUND',
      message: 'model "x" does not exist; second',
      status: 200,
      errors,
      codes: ['NOT_FOUND', 'FORBIDDEN'],
    });

    // Validation failures come with HTTP 400 and a GraphQL body: still a coded error.
    const { fetch: invalid } = fakeFetch(() =>
      json({ errors: [{ message: 'Cannot query field "nope"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, 400),
    );
    await expect(createClient({ endpoint: 'http://mp.test/graphql', fetch: invalid }).request(ModelListDocument)).rejects.toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      status: 400,
    });
  });

  it('describes answers that are not GraphQL responses', async () => {
    const { fetch } = fakeFetch(() => new Response('<html><body>Bad gateway</body></html>', { status: 502 }));
    await expect(createClient({ endpoint: 'http://mp.test/graphql', fetch }).request(ModelListDocument)).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      status: 502,
      message: 'unexpected answer from http://mp.test/graphql: HTTP 502: <html><body>Bad gateway</body></html>',
    });
  });

  it('says which server it cannot reach, and why', async () => {
    const port = await freePort();
    const err = await createClient({ endpoint: `http://127.0.0.1:${port}/graphql` })
      .request(ModelListDocument)
      .catch((e: unknown) => e as ModelplaneClientError);
    expect(err).toMatchObject({
      code: 'NETWORK_ERROR',
      message: `cannot reach http://127.0.0.1:${port}/graphql: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('gives up after timeoutMs', async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
      )) as typeof globalThis.fetch;
    await expect(
      createClient({ endpoint: 'http://mp.test/graphql', fetch, timeoutMs: 20 }).request(ModelListDocument),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });

  it('derives the websocket URL from the endpoint', () => {
    expect(websocketUrl('http://localhost:4000/graphql')).toBe('ws://localhost:4000/graphql');
    expect(websocketUrl('https://mp.example.com/graphql?x=1')).toBe('wss://mp.example.com/graphql?x=1');
  });
});

// A tiny graphql-ws server: `ticks(n)` counts to n, `forever` never ends, `broken` fails;
// connections need { authorization: 'Bearer good' }.
const schema = buildSchema(`
  type Query { ok: Boolean }
  type Subscription { ticks(n: Int!): Int!  forever: Int!  broken: Int! }
`);

const Ticks = parse('subscription Ticks($n: Int!) { ticks(n: $n) }') as TypedDocumentNode<{ ticks: number }, { n: number }>;
const Forever = parse('subscription Forever { forever }') as TypedDocumentNode<{ forever: number }, Record<string, never>>;
const Broken = parse('subscription Broken { broken }') as TypedDocumentNode<{ broken: number }, Record<string, never>>;
const Invalid = parse('subscription Invalid { nope }') as TypedDocumentNode<{ nope: number }, Record<string, never>>;

describe('client subscriptions over graphql-ws', () => {
  let server: Server;
  let endpoint: string;
  let wss: WebSocketServer;
  const connectionParams: unknown[] = [];
  let foreverEnded = 0;

  beforeAll(async () => {
    server = createServer();
    wss = new WebSocketServer({ server, path: '/graphql' });
    useServer(
      {
        schema,
        onConnect: (ctx) => {
          connectionParams.push(ctx.connectionParams);
          return ctx.connectionParams?.authorization === 'Bearer good';
        },
        roots: {
          subscription: {
            ticks: async function* ({ n }: { n: number }) {
              for (let i = 1; i <= n; i++) yield { ticks: i };
            },
            forever: async function* () {
              try {
                for (let i = 0; ; i++) {
                  yield { forever: i };
                  await new Promise((r) => setTimeout(r, 10));
                }
              } finally {
                foreverEnded++;
              }
            },
            broken: async function* () {
              yield* [];
              throw new GraphQLError('the stream broke', { extensions: { code: 'INTERNAL' } });
            },
          },
        },
      },
      wss,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    for (const socket of wss.clients) socket.terminate();
    await new Promise((resolve) => wss.close(resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('yields each event’s data until the server completes, authenticating in connectionParams', async () => {
    const client = createClient({ endpoint, apiKey: 'good' });
    let connected = 0;
    const seen: number[] = [];
    for await (const { ticks } of client.subscribe(Ticks, { n: 3 }, { onConnected: () => connected++ })) seen.push(ticks);
    expect(seen).toEqual([1, 2, 3]);
    expect(connected).toBe(1);
    expect(connectionParams.at(-1)).toEqual({ authorization: 'Bearer good' });
    await client.close();
  });

  it('breaking out of the loop unsubscribes; return() ends a waiting next(); close() ends every subscription', async () => {
    const client = createClient({ endpoint, apiKey: 'good' });
    let n = 0;
    for await (const { forever } of client.subscribe(Forever)) {
      n = forever;
      if (forever === 2) break;
    }
    expect(n).toBe(2);
    await until(() => foreverEnded === 1);

    const events = client.subscribe(Forever);
    await events.next();
    const pending = events.next();
    await events.return!();
    await expect(pending).resolves.toMatchObject({ done: true });

    const open = client.subscribe(Forever);
    await open.next();
    await client.close();
    // Whatever was buffered, the stream ends once the socket is closed.
    await expect(drain(open)).resolves.toBeDefined();
    await until(() => foreverEnded === 3);
  });

  it('a refused connection is FORBIDDEN, without retrying', async () => {
    const client = createClient({ endpoint, apiKey: 'bad', retryAttempts: 3 });
    const before = connectionParams.length;
    await expect(drain(client.subscribe(Ticks, { n: 1 }))).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/4403/),
    });
    expect(connectionParams.length - before).toBe(1);
    await client.close();
  });

  it('GraphQL errors of a subscription and of its execution are ModelplaneClientErrors with their code', async () => {
    const client = createClient({ endpoint, apiKey: 'good' });
    await expect(drain(client.subscribe(Invalid))).rejects.toMatchObject({
      name: 'ModelplaneClientError',
      message: expect.stringMatching(/nope/),
    });
    await expect(drain(client.subscribe(Broken))).rejects.toMatchObject({ code: 'INTERNAL', message: 'the stream broke' });
    await client.close();
  });

  it('an unreachable server is a NETWORK_ERROR', async () => {
    const port = await freePort();
    const client = createClient({ endpoint: `http://127.0.0.1:${port}/graphql` });
    await expect(drain(client.subscribe(Ticks, { n: 1 }))).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    await client.close();
  });
});

async function drain<T>(events: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const e of events) all.push(e);
  return all;
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
