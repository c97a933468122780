import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, MAX_OPERATION_LABEL_LENGTH, MAX_OPERATION_LABELS, OTHER_OPERATION } from '@modelplane/core';
import { print } from 'graphql';
import { ModelListDocument } from '@modelplane/client';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { registerNumericModel } from '../support/models';
import {
  createApiKey,
  gql,
  gqlAs,
  startPlatform,
  startService,
  TEST_ADMIN_KEY,
  type GraphQLResponse,
  type Platform,
  type ServiceProcess,
} from '../support/processes';

/**
 * The gateway's limits and trusted documents, on the platform's gateway (defaults) and on extra
 * gateway processes with other settings in front of the same subgraphs: depth, aliases, cost,
 * body size, per-request timeout and rate limit each answered with a coded error and its HTTP
 * status (and a refused mutation changes nothing); automatic persisted queries on both the
 * planned path and the fast path; the allow-list mode; CORS; AUTH=off.
 */
const MODEL = 'limited';
const model = logisticModel([0.5, -0.25], 0.1);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Answer<T = Record<string, unknown>> extends GraphQLResponse<T> {
  status: number;
  headers: Headers;
}

async function post<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_KEY}` },
): Promise<Answer<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { ...(JSON.parse(text) as GraphQLResponse<T>), status: res.status, headers: res.headers };
}

const code = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;

/**
 * POSTs `{ models { name } }` padded to `total` bytes, written as fast as the gateway takes it
 * (with Content-Length, or chunked), and stops writing once an answer arrives.
 */
function sendLarge(
  url: string,
  total: number,
  headers: Record<string, string>,
  chunked: boolean,
): Promise<{ status: number; code: unknown; bytes: number }> {
  const head = Buffer.from('{"query":"{ models { name } }","variables":{"pad":"');
  const tail = Buffer.from('"}}');
  const chunk = Buffer.alloc(64 * 1024, 0x70);
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let answered = false;
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(total) }), ...headers },
    });
    req.on('response', (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString();
        let answer: GraphQLResponse = {};
        try {
          answer = JSON.parse(text) as GraphQLResponse;
        } catch {
          answer = {};
        }
        resolve({ status: res.statusCode ?? 0, code: code(answer), bytes });
        req.destroy();
      });
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const write = (b: Buffer) => {
      bytes += b.length;
      return req.write(b);
    };
    write(head);
    const pump = () => {
      while (!answered) {
        const left = total - bytes - tail.length;
        if (left <= 0) {
          write(tail);
          req.end();
          return;
        }
        if (!write(left >= chunk.length ? chunk : chunk.subarray(0, left))) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

describe('gateway limits and trusted documents', () => {
  let db: TestDatabase;
  let platform: Platform;
  let hanging: Server;
  const gateways: ServiceProcess[] = [];

  /** Another gateway process in front of the platform's subgraphs, with its own settings. */
  async function gateway(env: Record<string, string>): Promise<ServiceProcess> {
    const url = (port: number | undefined) => `http://127.0.0.1:${port}/graphql`;
    const started = await startService(
      'gateway',
      {
        REGISTRY_URL: url(platform.ports.REGISTRY_PORT),
        PREDICTION_URL: url(platform.ports.PREDICTION_PORT),
        EXPERIMENTS_URL: url(platform.ports.EXPERIMENTS_PORT),
        MONITORING_URL: url(platform.ports.MONITORING_PORT),
        ...env,
      },
      'PORT',
    );
    gateways.push(started);
    return started;
  }

  const models = async () =>
    (await gql<{ models: Array<{ name: string }> }>(platform.url, '{ models { name } }')).data!.models.map((m) => m.name);

  beforeAll(async () => {
    db = await createTestDatabase('e2e_limits');
    platform = await startPlatform(db.url);
    // A "subgraph" that accepts requests and never answers.
    hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    await registerNumericModel(platform.url, MODEL);
    await gql(platform.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
      i: { model: MODEL, onnxBase64: model.base64 },
    });
    await gql(platform.url, `mutation { setModelAlias(model: "${MODEL}", alias: "production", version: 1) { alias } }`);
  });

  afterAll(async () => {
    for (const g of gateways) await g.stop();
    hanging?.closeAllConnections();
    await new Promise((resolve) => hanging?.close(resolve));
    await platform?.stop();
    await db?.drop();
  });

  it('depth: QUERY_TOO_DEEP (400) beyond MAX_QUERY_DEPTH, also for a mutation, which then changes nothing', async () => {
    // productionVersion { model { productionVersion { … } } }, `levels` fields deep, then a leaf.
    const nest = (levels: number) => {
      let inner = levels % 2 ? 'version' : 'name';
      for (let i = levels; i >= 1; i--) inner = `${i % 2 ? 'productionVersion' : 'model'} { ${inner} }`;
      return inner;
    };
    // model(…) + 10 levels + leaf = depth 12: allowed; deeper is refused.
    expect((await post(platform.url, { query: `{ model(name: "${MODEL}") { ${nest(10)} } }` })).errors).toBeUndefined();
    const deep = await post(platform.url, { query: `{ model(name: "${MODEL}") { ${nest(12)} } }` });
    expect([deep.status, code(deep)]).toEqual([400, 'QUERY_TOO_DEEP']);
    expect(deep.errors![0]!.extensions).toMatchObject({ depth: 14, max: 12 });
    const mutation = await post(platform.url, {
      query: `mutation { registerModel(input: { name: "too-deep", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { ${nest(12)} } }`,
    });
    expect(code(mutation)).toBe('QUERY_TOO_DEEP');
    expect(await models()).not.toContain('too-deep');
  });

  it('aliases: TOO_MANY_ALIASES beyond MAX_ALIASES, nothing registered', async () => {
    const fields = (n: number) =>
      Array.from(
        { length: n },
        (_, i) =>
          `m${i}: registerModel(input: { name: "alias-${i}", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { name }`,
      ).join(' ');
    const refused = await post(platform.url, { query: `mutation { ${fields(31)} }` });
    expect([refused.status, code(refused)]).toEqual([400, 'TOO_MANY_ALIASES']);
    expect((await models()).filter((m) => m.startsWith('alias-'))).toEqual([]);
    const reads = Array.from({ length: 30 }, (_, i) => `m${i}: model(name: "${MODEL}") { name }`).join(' ');
    expect((await post(platform.url, { query: `{ ${reads} }` })).errors).toBeUndefined();
  });

  it('cost: `first` multiplies what a list selects; QUERY_TOO_COMPLEX (400) with the estimate', async () => {
    const runs = 'query($n: Int!) { models { runs(first: $n) { id params { key value } metrics { key value } } } }';
    expect(code(await post(platform.url, { query: runs, variables: { n: 5 } }))).toBeUndefined();
    const big = await post(platform.url, { query: runs, variables: { n: 500 } });
    expect([big.status, code(big)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
    expect(big.errors![0]!.extensions).toMatchObject({ max: 50000 });
    expect(big.errors![0]!.extensions!.cost as number).toBeGreaterThan(50000);
  });

  it('cost of predictBatch is its rows; body size, timeout: PAYLOAD_TOO_LARGE (413), REQUEST_TIMEOUT (504)', async () => {
    const port = (hanging.address() as AddressInfo).port;
    const strict = await gateway({
      MAX_QUERY_COST: '1000',
      MAX_REQUEST_BYTES: '65536',
      REQUEST_TIMEOUT_MS: '500',
      PREDICTION_URL: `http://127.0.0.1:${port}/graphql`,
    });
    const batch = 'query($rows: [JSONObject!]!) { predictBatch(model: "limited", rows: $rows) { score } }';
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ a: i, b: 1 }));
    const tooMany = await post(strict.url, { query: batch, variables: { rows: rows(1200) } });
    expect([tooMany.status, code(tooMany)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
    expect(tooMany.errors![0]!.extensions).toMatchObject({ cost: 1201, max: 1000 });

    const large = await post(strict.url, { query: batch, variables: { rows: rows(5000) } });
    expect([large.status, code(large)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);

    // The prediction "subgraph" never answers: the fast path and the planned path both time out.
    const started = Date.now();
    const slow = await post(strict.url, { query: batch, variables: { rows: rows(10) } });
    expect([slow.status, code(slow)]).toEqual([504, 'REQUEST_TIMEOUT']);
    expect(Date.now() - started).toBeLessThan(5000);
    const planned = await post(strict.url, { query: `{ model(name: "${MODEL}") { name trafficSplit { percent } } }` });
    expect([planned.status, code(planned)]).toEqual([504, 'REQUEST_TIMEOUT']);
    // …and the gateway keeps serving.
    expect((await post(strict.url, { query: '{ models { name } }' })).errors).toBeUndefined();
    expect((await fetch(`${strict.base}/health/ready`)).status).toBe(200);
  });

  it('rate limit: RATE_LIMITED (429, Retry-After) per key, per address when anonymous; a refused mutation changes nothing', async () => {
    // In cost units: `{ models { name } }` costs 20 (an unbounded list counts 10 items of 2).
    const limited = await gateway({ RATE_LIMIT_PER_SECOND: '0.5', RATE_LIMIT_BURST: '60' });
    const other = await createApiKey(platform.url, 'admin', 'rate-other');
    for (let i = 0; i < 3; i++) expect((await post(limited.url, { query: '{ models { name } }' })).status).toBe(200);
    const register =
      'mutation { registerModel(input: { name: "rate-limited", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { name } }';
    const refused = await post(limited.url, { query: register });
    expect([refused.status, code(refused)]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await models()).not.toContain('rate-limited');
    // Another key has a bucket of its own.
    expect((await post(limited.url, { query: '{ models { name } }' }, { authorization: `Bearer ${other.key}` })).status).toBe(200);
    // Anonymous callers (and failed authentications) share their address's bucket; a refused
    // request costs one unit. The bucket's 60 units less the two key lookups above (a key not
    // verified yet takes from its address before the registry is asked), plus what refilled.
    const anonymous = [];
    for (let i = 0; i < 64; i++) anonymous.push(code(await post(limited.url, { query: '{ models { name } }' }, {})));
    const firstLimited = anonymous.indexOf('RATE_LIMITED');
    expect(firstLimited).toBeGreaterThanOrEqual(57);
    expect(firstLimited).toBeLessThanOrEqual(61);
    expect(anonymous.slice(0, firstLimited)).toEqual(Array(firstLimited).fill('UNAUTHENTICATED'));
    expect(anonymous.slice(62)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('rate limit counts cost: a 10 000-row batch takes 10 000 units; prediction traffic at the defaults is not limited', async () => {
    const batch = 'query($rows: [JSONObject!]!) { predictBatch(model: "limited", rows: $rows) { score } }';
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ a: i % 7, b: 1 }));
    const costly = await gateway({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '15000' });
    expect((await post(costly.url, { query: batch, variables: { rows } })).errors).toBeUndefined();
    // 10 001 units spent (the rows and the field), 4 999 left: another batch waits for 5 002 more…
    const again = await post(costly.url, { query: batch, variables: { rows } });
    expect([again.status, code(again)]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(4900);
    // …while single-row predictions still pass.
    const predict = 'query($f: JSONObject!) { predict(model: "limited", features: $f) { score } }';
    expect((await post(costly.url, { query: predict, variables: { f: { a: 1, b: 2 } } })).errors).toBeUndefined();

    // The default limits (the test platform runs without any): a prediction service sending as
    // fast as it can, 16 at a time, is never limited.
    const defaults = loadConfig({});
    const normal = await gateway({
      RATE_LIMIT_PER_SECOND: String(defaults.RATE_LIMIT_PER_SECOND),
      RATE_LIMIT_BURST: String(defaults.RATE_LIMIT_BURST),
    });
    const codes = new Map<string, number>();
    let sent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < 2000) {
          sent++;
          const res = await post(normal.url, { query: predict, variables: { f: { a: sent % 5, b: 1 } } });
          const c = String(code(res) ?? 'ok');
          codes.set(c, (codes.get(c) ?? 0) + 1);
        }
      }),
    );
    const rate = Math.round((2000 * 1000) / (Date.now() - started));
    console.log(`default rate limit: 2000 single-row predictions at ${rate}/s: ${JSON.stringify(Object.fromEntries(codes))}`);
    // (The old default, 50 requests/s with a burst of 100, refused most of these.)
    expect(Object.fromEntries(codes)).toEqual({ ok: 2000 });
  });

  it('automatic persisted queries work on the planned path and the fast path', async () => {
    const planned = `{ model(name: "${MODEL}") { name trafficSplit { percent } } }`;
    const single = `query FastModels { models { name task } }`;
    for (const query of [planned, single]) {
      const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
      const miss = await post(platform.url, { extensions });
      expect(code(miss)).toBe('PERSISTED_QUERY_NOT_FOUND');
      const registered = await post(platform.url, { query, extensions });
      expect(registered.errors).toBeUndefined();
      const hit = await post(platform.url, { extensions });
      expect(hit.errors).toBeUndefined();
      expect(hit.data).toEqual(registered.data);
      // Anonymous: the hash does not get around authentication.
      expect(code(await post(platform.url, { extensions }, {}))).toBe('UNAUTHENTICATED');
    }
    // A persisted mutation through the fast path, with variables.
    const mutation = 'mutation Move($v: Int!) { setModelAlias(model: "limited", alias: "apq", version: $v) { alias version { version } } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(mutation) } };
    expect((await post(platform.url, { query: mutation, variables: { v: 1 }, extensions })).errors).toBeUndefined();
    const moved = await post<{ setModelAlias: { alias: string } }>(platform.url, { variables: { v: 1 }, extensions });
    expect(moved.data?.setModelAlias.alias).toBe('apq');
    // And as GET, as Apollo Client sends persisted queries.
    const params = new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(single) } }) });
    const get = await fetch(`${platform.url}?${params}`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'apollo-require-preflight': 'true' },
    });
    expect(((await get.json()) as GraphQLResponse).errors).toBeUndefined();
    // A wrong hash for the query is refused.
    expect(
      (await post(platform.url, { query: single, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('x') } } })).status,
    ).toBe(400);
  });

  it('allow-list mode runs only the registered operations (by hash or by document); CORS as configured', async () => {
    const allowList = await gateway({ TRUSTED_DOCUMENTS: 'allow-list', CORS_ORIGINS: 'https://app.example' });
    const registered = print(ModelListDocument);
    const listed = await post<{ models: unknown[] }>(allowList.url, { query: registered, operationName: 'ModelList' });
    expect(listed.errors).toBeUndefined();
    // Whitespace does not matter: documents are compared printed.
    expect((await post(allowList.url, { query: registered.replace(/\n\s*/g, ' '), operationName: 'ModelList' })).errors).toBeUndefined();
    // By hash alone, never sent before: the manifest has the document.
    const byHash = await post(allowList.url, {
      operationName: 'ModelList',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(registered) } },
    });
    expect(byHash.data).toEqual(listed.data);
    const adHoc = await post(allowList.url, { query: '{ models { name } }' });
    expect([adHoc.status, code(adHoc)]).toEqual([400, 'OPERATION_NOT_TRUSTED']);
    const mutation = await post(allowList.url, {
      query:
        'mutation { registerModel(input: { name: "untrusted", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { name } }',
    });
    expect(code(mutation)).toBe('OPERATION_NOT_TRUSTED');
    expect(await models()).not.toContain('untrusted');

    const preflight = (origin: string) =>
      fetch(allowList.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    // The platform's gateway allows no other origin (the default).
    expect(
      (await fetch(platform.url, { method: 'OPTIONS', headers: { origin: 'https://app.example' } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull();
  });

  it('a persisted-query hash never runs what the checks refused: not stored on refusal, any non-string query is hash-only', async () => {
    const registerDeep = (name: string) =>
      `mutation { registerModel(input: { name: "${name}", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { productionVersion { model { productionVersion { model { name } } } } } }`;
    const nonStrings: unknown[] = [null, false, 0, {}];
    const hashOnly = async (url: string, query: string, value: unknown) => {
      const body: Record<string, unknown> = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } };
      body.query = value;
      return post(url, body);
    };
    // Refused as untrusted (allow-list) and, with the list off, as too deep.
    const strict = await gateway({ TRUSTED_DOCUMENTS: 'allow-list', MAX_QUERY_DEPTH: '4' });
    const open = await gateway({ MAX_QUERY_DEPTH: '4' });
    for (const [g, refusedCode] of [
      [strict, 'OPERATION_NOT_TRUSTED'],
      [open, 'QUERY_TOO_DEEP'],
    ] as const) {
      for (const order of ['store first', 'hash first'] as const) {
        for (const value of nonStrings) {
          const name = `pq-bypass-${refusedCode.toLowerCase()}-${order.replace(' ', '-')}-${JSON.stringify(value)}`.replace(
            /[^a-z0-9-]/g,
            '',
          );
          const query = registerDeep(name);
          const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
          if (order === 'hash first') expect(code(await hashOnly(g.url, query, value))).toBe('PERSISTED_QUERY_NOT_FOUND');
          const refused = await post(g.url, { query, extensions });
          expect(code(refused)).toBe(refusedCode);
          const resent = await hashOnly(g.url, query, value);
          expect(resent.data ?? null).toBeNull();
          expect(code(resent)).toBe('PERSISTED_QUERY_NOT_FOUND');
          expect(await models()).not.toContain(name);
        }
      }
    }
    // A query that passes is still stored and runs by hash, whatever non-string stands for the query.
    const shallow = `{ model(name: "${MODEL}") { name } }`;
    expect(
      (await post(open.url, { query: shallow, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(shallow) } } })).errors,
    ).toBeUndefined();
    for (const value of nonStrings) {
      expect((await hashOnly(open.url, shallow, value)).data).toEqual({ model: { name: MODEL } });
    }
    // The manifest's documents run by hash on the allow-list gateway, and still pass the limits.
    const registered = print(ModelListDocument);
    for (const value of nonStrings) expect((await hashOnly(strict.url, registered, value)).errors).toBeUndefined();
    // A non-string query without a hash is refused with a code, never run.
    for (const value of nonStrings) {
      const res = await post(open.url, { query: value });
      expect([res.status, code(res)]).toEqual([400, 'BAD_REQUEST']);
    }
  });

  it('metrics: client-chosen operation names (many, huge) never grow the series beyond the bound, at the gateway or a subgraph', async () => {
    const labels = async (base: string) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const values = new Set<string>();
      for (const line of text.split('\n')) {
        if (!line.startsWith('modelplane_graphql_operation_duration_seconds_count') && !line.startsWith('modelplane_graphql_errors_total'))
          continue;
        const match = /operation="((?:[^"\\]|\\.)*)"/.exec(line);
        if (match) values.add(match[1]!);
      }
      return values;
    };
    const registryBase = `http://127.0.0.1:${platform.ports.REGISTRY_PORT}`;
    const distinct = MAX_OPERATION_LABELS + 200;
    for (let i = 0; i < distinct; i++) {
      const name = `Op${i}_${'n'.repeat(i % 50 === 0 ? 200_000 : 8)}`;
      // Through the fast path (one subgraph) and refused ones (unknown field) alike.
      const res = await post(platform.url, { query: i % 3 ? `query ${name} { models { name } }` : `query ${name} { nope }` });
      expect(res.status).toBeLessThan(500);
    }
    for (const base of [platform.base, registryBase]) {
      const values = await labels(base);
      const ours = [...values].filter((v) => v.startsWith('Op'));
      expect(ours.length).toBeLessThanOrEqual(MAX_OPERATION_LABELS);
      expect(values.size).toBeLessThanOrEqual(MAX_OPERATION_LABELS + 50);
      expect(Math.max(...[...values].map((v) => v.length))).toBeLessThanOrEqual(MAX_OPERATION_LABEL_LENGTH);
      expect(values).toContain(OTHER_OPERATION);
    }
  });

  it('body size before authentication: a 50 MB body from anyone who may not upload is refused (413) before it is sent', async () => {
    const viewer = await createApiKey(platform.url, 'viewer', 'big-body-viewer');
    const operator = await createApiKey(platform.url, 'operator', 'big-body-operator');
    const big = 50 * 1024 * 1024;
    const refusedEarly = async (headers: Record<string, string>, chunked: boolean) => {
      const sent = await sendLarge(platform.url, big, headers, chunked);
      expect([sent.status, sent.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      // Answered long before the body was through: the gateway did not wait for (or keep) it.
      expect(sent.bytes).toBeLessThan(big / 2);
    };
    await refusedEarly({}, false);
    await refusedEarly({}, true);
    await refusedEarly({ authorization: `Bearer ${viewer.key}` }, false);
    await refusedEarly({ authorization: `Bearer ${viewer.key}` }, true);
    // An unknown key with a large body: refused from its header alone.
    const unknown = await sendLarge(platform.url, big, { authorization: 'Bearer mp_0000000000000000000000000000000000000000' }, false);
    expect(unknown.status).toBe(401);
    expect(unknown.bytes).toBeLessThan(big / 2);
    // 3 MB (over the 2 MiB before authentication): refused for a viewer, read for an operator.
    const medium = 3 * 1024 * 1024;
    expect((await sendLarge(platform.url, medium, { authorization: `Bearer ${viewer.key}` }, false)).status).toBe(413);
    const read = await sendLarge(platform.url, medium, { authorization: `Bearer ${operator.key}` }, false);
    expect([read.status, read.code]).toEqual([200, undefined]);
    expect(read.bytes).toBe(medium);
    // A small body needs nothing of the sort, anonymous or not.
    expect(code(await post(platform.url, { query: '{ models { name } }' }, {}))).toBe('UNAUTHENTICATED');
    expect((await fetch(`${platform.base}/health/ready`)).status).toBe(200);
  });

  it('AUTH=off (local mode): everyone is an anonymous admin', async () => {
    const open = await gateway({ AUTH: 'off' });
    const res = await gqlAs(
      null,
      open.url,
      'mutation { createAlertRule(input: { model: "limited", kind: LATENCY, threshold: 100 }) { id createdBy } }',
    );
    expect(res.errors).toBeUndefined();
    expect((res.data as { createAlertRule: { createdBy: string } }).createAlertRule.createdBy).toBe('anonymous');
  });
});
