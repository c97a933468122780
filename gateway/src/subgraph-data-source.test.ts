import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLogger,
  IDENTITY_HEADER,
  IdentitySigner,
  Metrics,
  NOT_EXECUTED_HEADER,
  type Identity,
  type RequestContext,
} from '@modelplane/core';
import { SubgraphDataSource, SubgraphFetchMetrics } from './subgraph-data-source';

/**
 * The gateway's subgraph data source against a real HTTP server standing in for a subgraph: it
 * counts the requests it receives and answers after a delay, so concurrent fetches overlap.
 */
interface FakeSubgraph {
  url: string;
  received: { body: { query: string; variables?: Record<string, unknown> }; identity: string | undefined }[];
  stop(): Promise<void>;
}

async function startFakeSubgraph(answer: (body: { query: string }) => unknown, delayMs = 50): Promise<FakeSubgraph> {
  const received: FakeSubgraph['received'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { query: string };
      received.push({ body, identity: req.headers[IDENTITY_HEADER] as string | undefined });
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(body))), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const logger = createLogger('gateway-test', 'silent');
const ALICE: Identity = { subject: 'alice', roles: ['viewer'] };
const BOB: Identity = { subject: 'bob', roles: ['admin'] };

function source(url: string, metrics = new SubgraphFetchMetrics(new Metrics('gateway-test').registry), deduplicate = true) {
  return new SubgraphDataSource({
    name: 'registry',
    url,
    timeoutMs: 2000,
    signer: new IdentitySigner('test-secret-with-enough-length-0123456789'),
    logger,
    sideEffectQueryFields: new Set(['predict']),
    deduplicate,
    metrics,
  });
}

function fetchOf(ds: SubgraphDataSource, query: string, identity: Identity, variables?: Record<string, unknown>) {
  const context = { requestId: 'r', identity, logger } as RequestContext;
  return ds.process({
    kind: 'incoming operation',
    request: { query, variables },
    context,
    incomingRequestContext: { context } as never,
  } as unknown as Parameters<SubgraphDataSource['process']>[0]);
}

const ENTITY_QUERY = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Model{latestRun{id}}}}';

describe('the gateway’s subgraph data source', () => {
  let fake: FakeSubgraph;
  afterEach(() => fake?.stop());

  it('identical read-only fetches in flight at once share one subgraph request, and each caller gets its own copy', async () => {
    fake = await startFakeSubgraph(() => ({ data: { model: { name: 'm' } } }));
    const ds = source(fake.url);
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetchOf(ds, '{model(name:"m"){name}}', ALICE)));
    expect(fake.received).toHaveLength(1);
    expect(answers.map((a) => a.data)).toEqual(Array.from({ length: 8 }, () => ({ model: { name: 'm' } })));
    // Plan execution mutates what it receives: one caller's changes must not reach another.
    (answers[0]!.data as { model: { name: string } }).model.name = 'changed';
    expect((answers[1]!.data as { model: { name: string } }).model.name).toBe('m');
    // Once answered, the next identical fetch goes to the subgraph again (no caching).
    await fetchOf(ds, '{model(name:"m"){name}}', ALICE);
    expect(fake.received).toHaveLength(2);
    ds.close();
  });

  it('never shares between callers, variables, side-effecting queries or mutations', async () => {
    fake = await startFakeSubgraph(() => ({ data: {} }));
    const ds = source(fake.url);
    await Promise.all([
      fetchOf(ds, '{model(name:"m"){name}}', ALICE),
      fetchOf(ds, '{model(name:"m"){name}}', BOB),
      fetchOf(ds, ENTITY_QUERY, ALICE, { representations: [{ __typename: 'Model', name: 'a' }] }),
      fetchOf(ds, ENTITY_QUERY, ALICE, { representations: [{ __typename: 'Model', name: 'b' }] }),
      fetchOf(ds, '{predict(model:"m",features:{x:1}){id}}', ALICE),
      fetchOf(ds, '{predict(model:"m",features:{x:1}){id}}', ALICE),
      fetchOf(ds, 'mutation{setModelAlias(model:"m",alias:"a",version:1){name}}', ALICE),
      fetchOf(ds, 'mutation{setModelAlias(model:"m",alias:"a",version:1){name}}', ALICE),
    ]);
    expect(fake.received).toHaveLength(8);
    // Each request carries its caller's own signed identity.
    expect(new Set(fake.received.map((r) => r.identity)).size).toBe(2);
    ds.close();
  });

  it('with deduplication off, every fetch reaches the subgraph', async () => {
    fake = await startFakeSubgraph(() => ({ data: {} }));
    const ds = source(fake.url, undefined, false);
    await Promise.all(Array.from({ length: 4 }, () => fetchOf(ds, '{models{name}}', ALICE)));
    expect(fake.received).toHaveLength(4);
    ds.close();
  });

  it('an unreachable subgraph fails each field it would have filled with SUBGRAPH_UNAVAILABLE and its path', async () => {
    fake = await startFakeSubgraph(() => ({ data: {} }));
    const url = fake.url;
    await fake.stop();
    const ds = source(url);
    const root = await fetchOf(ds, '{m:model(name:"m"){name} models{name}}', ALICE);
    expect(root.errors).toEqual([
      { message: 'the registry service is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE' }, path: ['m'] },
      { message: 'the registry service is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE' }, path: ['models'] },
    ]);
    const entities = await fetchOf(ds, ENTITY_QUERY, ALICE, { representations: [{}, {}] });
    expect(entities.errors?.map((e) => e.path)).toEqual([
      ['_entities', 0, 'latestRun'],
      ['_entities', 1, 'latestRun'],
    ]);
    ds.close();
  });

  it('sends a request once more, mutations included, when a draining subgraph says it did not run it', async () => {
    let refusals = 1;
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (refusals-- > 0) {
          res.writeHead(503, { 'content-type': 'application/json', connection: 'close', [NOT_EXECUTED_HEADER]: '1' });
          res.end(JSON.stringify({ errors: [{ message: 'shutting down', extensions: { code: 'SHUTTING_DOWN' } }] }));
        } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"setModelAlias":{"alias":"a"}}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const ds = source(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
    const answer = await fetchOf(ds, 'mutation{setModelAlias(model:"m",alias:"a",version:1){alias}}', ALICE);
    expect(answer).toEqual({ data: { setModelAlias: { alias: 'a' } } });
    // Refused twice in a row: the refusal reaches the caller (no endless resending).
    refusals = 2;
    const refused = await fetchOf(ds, 'mutation{setModelAlias(model:"m",alias:"a",version:1){alias}}', ALICE);
    expect(refused.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');
    ds.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('passes a subgraph’s GraphQL errors through whatever the HTTP status, and a non-GraphQL answer is unavailable', async () => {
    fake = await startFakeSubgraph((body) =>
      body.query.includes('bad')
        ? { errors: [{ message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }
        : 'oops',
    );
    const ds = source(fake.url);
    const bad = await fetchOf(ds, '{bad}', ALICE);
    expect(bad.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const odd = await fetchOf(ds, '{odd}', ALICE);
    expect(odd.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    ds.close();
  });
});
