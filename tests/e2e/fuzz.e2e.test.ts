import { mulberry32 } from '@modelplane/ml';
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
    const after = await rss(platform.base);
    // Generous: allocation noise and the caches' bounded growth, not a leak per request.
    expect(after - before).toBeLessThan(150 * 1024 * 1024);
    console.log(
      `fuzz: ${all.length} requests, codes ${JSON.stringify(Object.fromEntries(codes))}; gateway RSS ${Math.round(before / 1e6)} → ${Math.round(after / 1e6)} MB`,
    );
  });
});
