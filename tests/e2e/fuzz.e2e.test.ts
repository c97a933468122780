import { createHash } from 'node:crypto';
import { MAX_OPERATION_LABELS } from '@modelplane/core';
import { mulberry32 } from '@modelplane/ml';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { gql, startPlatform, TEST_ADMIN_KEY, type Platform } from '../support/processes';

/**
 * A few hundred malformed requests to the gateway (broken JSON, random bytes, wrong variable
 * types, huge strings, deep nesting, unknown operations and fields, odd headers): every one is
 * answered with a coded GraphQL error and a 4xx status, the gateway stays ready, and its resident
 * memory stays roughly flat.
 */
interface Case {
  what: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  method?: 'POST' | 'GET';
  query?: string;
}

const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

function cases(random: () => number): Case[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const valid = [
    '{ models { name } }',
    'query M($n: String!) { model(name: $n) { name task } }',
    'mutation R($i: RegisterModelInput!) { registerModel(input: $i) { name } }',
    'query P($f: JSONObject!) { predict(model: "nope", features: $f) { score } }',
  ];
  const out: Case[] = [];
  for (let i = 0; i < 60; i++) {
    const json = JSON.stringify({ query: pick(valid), variables: { n: 'x' } });
    out.push({ what: 'truncated JSON', body: json.slice(0, 1 + int(json.length - 2)) });
  }
  for (let i = 0; i < 40; i++) out.push({ what: 'random bytes', body: bytes(1 + int(2000)) });
  for (let i = 0; i < 10; i++)
    out.push({
      what: 'random bytes, other content type',
      body: bytes(1 + int(200)),
      headers: { 'content-type': pick(['text/plain', 'application/octet-stream', 'multipart/form-data']) },
    });
  for (const body of [
    'null',
    '[]',
    '[{"query":"{ models { name } }"}]',
    '42',
    '"query"',
    '{}',
    'true',
    '{"query": 5}',
    '{"query": null}',
    '{"query":"{ models { name } }","variables":"x"}',
    '{"query":"{ models { name } }","operationName":7}',
    '{"query":"{ models { name } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"zz"}}}',
    '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"' + 'a'.repeat(64) + '"}}}',
  ]) {
    out.push({ what: `odd JSON ${body.slice(0, 30)}`, body });
  }
  const wrongTypes: Array<[string, Record<string, unknown>]> = [
    [valid[1]!, { n: 42 }],
    [valid[1]!, { n: null }],
    [valid[1]!, { n: ['a'] }],
    [valid[1]!, {}],
    [valid[2]!, { i: 'not an object' }],
    [valid[2]!, { i: { name: 1, task: 'NOPE', features: 'x' } }],
    [valid[3]!, { f: [1, 2, 3] }],
    [valid[3]!, { f: 'x' }],
  ];
  for (let i = 0; i < 40; i++) {
    const [query, variables] = pick(wrongTypes);
    out.push({ what: 'wrong variable types', body: JSON.stringify({ query, variables }) });
  }
  for (let i = 0; i < 20; i++) {
    const size = 1000 + int(400_000);
    out.push({
      what: 'huge string',
      body: JSON.stringify(
        pick([
          { query: valid[1], variables: { n: 'x'.repeat(size) } },
          { query: `{ model(name: "${'y'.repeat(size)}") { name } }` },
          { query: `{ ${'z'.repeat(size)} }` },
          { query: valid[0], operationName: 'o'.repeat(size) },
        ]),
      ),
    });
  }
  for (let i = 0; i < 30; i++) {
    const depth = 13 + int(3000);
    out.push({ what: 'deep nesting', body: JSON.stringify({ query: `{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }` }) });
  }
  for (let i = 0; i < 10; i++) {
    const n = 31 + int(5000);
    out.push({
      what: 'many aliases',
      body: JSON.stringify({ query: `{ ${Array.from({ length: n }, (_, k) => `a${k}: models { name }`).join(' ')} }` }),
    });
  }
  for (let i = 0; i < 40; i++) {
    out.push({
      what: 'unknown operation or field',
      body: JSON.stringify(
        pick([
          { query: valid[0], operationName: `Nope${i}` },
          { query: `query A { models { name } } query B { models { task } }` },
          { query: `{ nope${i} }` },
          { query: `{ models { name nope${i} } }` },
          { query: `mutation { nope${i}(x: 1) }` },
          { query: `subscription { modelEvents { kind } }` },
          { query: `{ model(name: "x") { ...F } }` },
          { query: `fragment F on Model { ...F } { models { ...F } }` },
          { query: '{ models { name } '.repeat(1 + int(50)) },
        ]),
      ),
    });
  }
  for (let i = 0; i < 20; i++) {
    out.push({
      what: 'odd credentials',
      body: JSON.stringify({ query: valid[0] }),
      headers: {
        authorization: pick([
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `Bearer ${'k'.repeat(5000)}`,
          'Bearer eyJhbGciOiJub25lIn0.e30.',
          `Bearer mp_${i}`,
          'bearer  x y',
        ]),
      },
    });
  }
  for (let i = 0; i < 20; i++) {
    out.push({
      what: 'GET',
      method: 'GET',
      body: '',
      query: pick([
        'query={',
        `query=${encodeURIComponent('mutation { registerModel }')}`,
        'variables=%7B',
        'extensions=nope',
        `query=${encodeURIComponent('{ models { name } }')}&variables=5`,
      ]),
      headers: { 'apollo-require-preflight': 'true' },
    });
  }
  // Non-string queries stand for "by hash only": a hash never seen (or refused) runs nothing.
  const hex = () => Array.from({ length: 64 }, () => '0123456789abcdef'[int(16)]).join('');
  const nonStrings = [null, false, 0, {}, [], true, 1.5, { kind: 'Document', definitions: [] }];
  for (let i = 0; i < 30; i++) {
    const query = pick(nonStrings);
    out.push({
      what: 'non-string query',
      body: JSON.stringify(
        pick([{ query }, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hex() } } }, { query, operationName: 'X' }]),
      ),
    });
  }
  for (let i = 0; i < 10; i++) {
    // A refused document with its hash, then the hash alone with a non-string query: refused both times.
    const depth = 13 + int(20);
    const deep = `query Deep${i}x${int(1e9)} { ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(deep).digest('hex') } };
    out.push({ what: 'refused document with its hash', body: JSON.stringify({ query: deep, extensions }) });
    out.push({ what: 'then its hash alone', body: JSON.stringify({ query: pick(nonStrings), extensions }) });
  }
  for (let i = 0; i < 20; i++) {
    // Huge and many distinct operation names (refused by validation: nope is no field).
    const name = `Name${i}_${int(1e9)}${'n'.repeat(pick([10, 1000, 100_000]))}`;
    out.push({ what: 'huge operation name', body: JSON.stringify({ query: `query ${name} { nope }`, operationName: name }) });
  }
  for (let i = 0; i < 10; i++) {
    out.push({
      what: 'large body before authentication',
      body: JSON.stringify({ query: valid[0], variables: { pad: 'p'.repeat(300_000 + int(600_000)) } }),
      headers: { authorization: pick(['', 'Bearer mp_000000000000_unknownunknownunknownunknownunknownunkno', 'Bearer short']) },
    });
  }
  out.push({ what: 'body over MAX_REQUEST_BYTES', body: JSON.stringify({ query: valid[0], variables: { pad: 'p'.repeat(1_200_000) } }) });
  return out;
}

async function rss(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes'));
  return Number(line!.split(' ').pop());
}

describe('malformed requests to the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_fuzz');
    platform = await startPlatform(db.url, undefined, {
      MAX_REQUEST_BYTES: String(1024 * 1024),
      MAX_REQUEST_BYTES_BEFORE_AUTH: String(256 * 1024),
      // A capped heap: what a leak would retain ends the process (and the test) instead of
      // hiding in V8's lazy collection, which lets RSS wander by a hundred MB either way.
      NODE_OPTIONS: '--max-old-space-size=384',
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  it('answers every one with a coded error, stays ready, and its memory stays flat', async () => {
    const random = mulberry32(20261122);
    const send = async (c: Case) => {
      const res = await fetch(`${platform.url}${c.query ? `?${c.query}` : ''}`, {
        method: c.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...auth, ...c.headers },
        body: c.method === 'GET' ? undefined : c.body,
      });
      return { status: res.status, text: await res.text() };
    };
    // A first round warms up plans, caches and the heap; memory is compared across the next two.
    for (const c of cases(mulberry32(1))) await send(c);
    const before = await rss(platform.base);

    const all = [...cases(random), ...cases(random)];
    expect(all.length).toBeGreaterThan(500);
    const problems: string[] = [];
    const codes = new Map<string, number>();
    for (const c of all) {
      const { status, text } = await send(c);
      let code: unknown;
      try {
        code = (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors?.[0]?.extensions?.code;
      } catch {
        code = undefined;
      }
      if (typeof code !== 'string' || status >= 500 || status < 200) problems.push(`${c.what}: HTTP ${status} ${text.slice(0, 120)}`);
      else codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code === 'INTERNAL') problems.push(`${c.what}: INTERNAL ${String(c.body).slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
    expect([...codes.keys()].sort()).toEqual(
      expect.arrayContaining([
        'BAD_REQUEST',
        'BAD_USER_INPUT',
        'GRAPHQL_PARSE_FAILED',
        'GRAPHQL_VALIDATION_FAILED',
        'PAYLOAD_TOO_LARGE',
        'QUERY_TOO_DEEP',
        'TOO_MANY_ALIASES',
        'UNAUTHENTICATED',
      ]),
    );
    expect((await fetch(`${platform.base}/health/ready`)).status).toBe(200);
    expect((await gql(platform.url, '{ models { name } }')).errors).toBeUndefined();
    // Client-chosen operation names stay bounded label values.
    const labels = new Set(
      (await (await fetch(`${platform.base}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('modelplane_graphql_'))
        .map((l) => /operation="([^"]*)"/.exec(l)?.[1])
        .filter((v): v is string => v !== undefined),
    );
    expect(labels.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 10);
    const after = await rss(platform.base);
    // Generous: allocation noise and the caches' bounded growth, not a leak per request.
    expect(after - before).toBeLessThan(150 * 1024 * 1024);
    console.log(
      `fuzz: ${all.length} requests, codes ${JSON.stringify(Object.fromEntries(codes))}; gateway RSS ${Math.round(before / 1e6)} → ${Math.round(after / 1e6)} MB`,
    );
  });

  it('odd websocket credentials and subscribe messages: closed (4401) or refused with a code, never a crash', async () => {
    const url = platform.url.replace(/^http/, 'ws');
    const random = mulberry32(7);
    const closes: number[] = [];
    const params: Array<Record<string, unknown> | undefined> = [
      undefined,
      {},
      { authorization: null },
      { authorization: 42 },
      { authorization: ['Bearer x'] },
      { authorization: `Bearer ${'k'.repeat(20_000)}` },
      { authorization: 'Bearer short' },
      { authorization: 'Bearer mp_000000000000_unknownunknownunknownunknownunknownunkno' },
      { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
      { Authorization: 'Basic dXNlcjpwYXNz' },
    ];
    for (const connectionParams of params) {
      closes.push(
        await new Promise<number>((resolve) => {
          const client = createClient({
            url,
            webSocketImpl: WebSocket,
            retryAttempts: 0,
            lazy: false,
            onNonLazyError: () => undefined,
            connectionParams,
            on: { closed: (e) => resolve((e as { code: number }).code), connected: () => resolve(0) },
          });
          setTimeout(() => void client.dispose(), 5000);
        }),
      );
    }
    expect(closes).toEqual(params.map(() => 4401));

    // Odd subscribe messages on authenticated sockets: each refused with a code, or (a message
    // the protocol does not allow, such as a non-string query) the socket closed with 4400.
    const odd: unknown[] = [null, 0, false, {}, [], 'subscription {', '{ models { name } }', 'subscription { nope }'];
    const outcomes: string[] = [];
    for (let i = 0; i < 24; i++) {
      const query = odd[Math.floor(random() * odd.length)];
      // Raw protocol messages: the graphql-ws client itself refuses to send a non-string query.
      const ws = new WebSocket(url, 'graphql-transport-ws');
      outcomes.push(
        await new Promise<string>((resolve) => {
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: auth })));
          ws.on('message', (data: Buffer) => {
            const message = JSON.parse(data.toString()) as { type: string; payload?: Array<{ extensions?: { code?: unknown } }> };
            if (message.type === 'connection_ack') {
              const operationName = random() < 0.3 ? 'o'.repeat(100_000) : undefined;
              ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, operationName } }));
            } else if (message.type === 'error') resolve(String(message.payload?.[0]?.extensions?.code));
            else resolve(message.type);
          });
          ws.on('close', (closeCode) => resolve(String(closeCode)));
          ws.on('error', () => resolve('socket error'));
        }),
      );
      ws.terminate();
    }
    console.log(`websocket fuzz: connections closed ${JSON.stringify(closes)}; subscribe outcomes ${JSON.stringify(outcomes)}`);
    expect(outcomes.filter((c) => !(/^[A-Z_]+$/.test(c) && c !== 'INTERNAL') && c !== '4400')).toEqual([]);
    expect((await fetch(`${platform.base}/health/ready`)).status).toBe(200);
  });
});
