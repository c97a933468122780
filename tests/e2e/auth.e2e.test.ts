import { generateKeyPairSync, createHmac, sign as rsaSign, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { signIdentity } from '@modelplane/core';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import {
  createApiKey,
  gql,
  gqlAs,
  signedConnectionParams,
  signedHeaders,
  startPlatform,
  TEST_ADMIN_KEY,
  TEST_GATEWAY_SECRET,
  type GraphQLResponse,
  type Platform,
  type TestRole,
} from '../support/processes';

/**
 * Authentication and roles end to end: every mutation of the API schema called as anonymous,
 * viewer, operator and admin (refusals change nothing), the subgraphs' own enforcement and their
 * refusal of unsigned, forged and expired identities, API keys (created, listed, revoked and
 * refused within AUTH_CACHE_SECONDS), and JWTs (HS256 and RS256 from a JWKS file).
 */
const schemaDir = join(__dirname, '..', '..', 'schema');
const roles = JSON.parse(readFileSync(join(schemaDir, 'roles.json'), 'utf8')) as { fields: Record<string, TestRole> };

/** The documented role matrix: what each mutation needs (a new mutation must be added here). */
const MUTATION_ROLES: Record<string, TestRole> = {
  acknowledgeAlert: 'operator',
  archiveModelVersion: 'operator',
  cancelRun: 'operator',
  clearShadowVersion: 'operator',
  clearTrafficSplit: 'operator',
  createAlertRule: 'operator',
  createApiKey: 'admin',
  createModelVersion: 'operator',
  deleteAlertRule: 'operator',
  deleteModelAlias: 'operator',
  evaluateAlertRules: 'operator',
  finishRun: 'operator',
  logMetrics: 'operator',
  logParams: 'operator',
  recordFeedback: 'operator',
  registerDataset: 'admin',
  registerModel: 'admin',
  revokeApiKey: 'admin',
  rollbackModel: 'operator',
  setModelAlias: 'operator',
  setRetrainPolicy: 'admin',
  setRunTags: 'operator',
  setShadowVersion: 'operator',
  setTrafficSplit: 'operator',
  startRun: 'operator',
  triggerRetraining: 'operator',
  updateAlertRule: 'operator',
  updateExperiment: 'admin',
};
const RANK: Record<TestRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** A value of the input type that passes GraphQL validation (not necessarily the service's). */
function dummy(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [dummy(inner.ofType as GraphQLInputType)];
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  if (isInputObjectType(inner)) {
    return Object.fromEntries(
      Object.values(inner.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, dummy(f.type)]),
    );
  }
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'Int':
        return 1;
      case 'Float':
        return 1;
      case 'Boolean':
        return true;
      case 'ID':
        return '00000000-0000-4000-8000-00000000dead';
      case 'JSONObject':
        return {};
      default:
        return 'auth-test';
    }
  }
  return null;
}

/** `mutation($a: T!…) { field(a: $a…) { __typename } }` with dummy variables for every required argument. */
function mutationCall(schema: GraphQLSchema, field: string): { query: string; variables: Record<string, unknown> } {
  const definition = schema.getMutationType()!.getFields()[field]!;
  const required = definition.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const declarations = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isObjectType(getNamedType(definition.type)) ? ' { __typename }' : '';
  return {
    query: `mutation${declarations ? `(${declarations})` : ''} { ${field}${args ? `(${args})` : ''}${selection} }`,
    variables: Object.fromEntries(required.map((a) => [a.name, dummy(a.type)])),
  };
}

const code = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;

/** Background bookkeeping that changes with time, not with requests (stream leases, evaluation passes). */
const BOOKKEEPING = new Set(['monitoring.stream_cursor', 'monitoring.evaluation_pass']);

/** Every row of the platform's own schemas (api_key without last_used_at, which verification touches). */
async function fingerprint(sql: Client): Promise<string> {
  const { rows: tables } = await sql.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_schema IN ('registry', 'prediction', 'experiments', 'monitoring') AND table_type = 'BASE TABLE'
        AND table_name NOT LIKE '%migrations%' ORDER BY 1, 2`,
  );
  const parts: string[] = [];
  for (const { schema, name } of tables) {
    if (BOOKKEEPING.has(`${schema}.${name}`)) continue;
    const row = name === 'api_key' && schema === 'registry' ? `(t.id, t.name, t.role, t.revoked_at)` : 't';
    const { rows } = await sql.query<{ digest: string | null; n: number }>(
      `SELECT md5(string_agg(${row}::text, '|' ORDER BY ${row}::text)) AS digest, count(*)::int AS n FROM ${schema}.${name} t`,
    );
    parts.push(`${schema}.${name}:${rows[0]!.n}:${rows[0]!.digest ?? ''}`);
  }
  return parts.join('\n');
}

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

const HS256_SECRET = 'auth-e2e-hs256-secret-0123456789abcdef';
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'modelplane-e2e';

describe('authentication and roles', () => {
  let db: TestDatabase;
  let platform: Platform;
  let sql: Client;
  let schema: GraphQLSchema;
  let home: string;
  let rsa: ReturnType<typeof generateKeyPairSync>;
  const keys: Partial<Record<TestRole, string>> = {};
  const model = logisticModel([0.5, -0.25], 0.1);

  const hs256 = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }) => {
    const body = `${base64url(header)}.${base64url(claims)}`;
    return `${body}.${createHmac('sha256', HS256_SECRET).update(body).digest('base64url')}`;
  };
  const rs256 = (claims: Record<string, unknown>, kid = 'e2e-key') => {
    const body = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(claims)}`;
    return `${body}.${rsaSign('RSA-SHA256', Buffer.from(body), rsa.privateKey).toString('base64url')}`;
  };
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: 'jwt-user',
    iss: ISSUER,
    aud: AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 600,
    role: 'viewer',
    ...extra,
  });

  beforeAll(async () => {
    db = await createTestDatabase('e2e_auth');
    home = await mkdtemp(join(tmpdir(), 'modelplane-auth-'));
    rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = rsa.publicKey.export({ format: 'jwk' });
    await writeFile(join(home, 'jwks.json'), JSON.stringify({ keys: [{ ...jwk, kid: 'e2e-key', use: 'sig', alg: 'RS256' }] }));
    platform = await startPlatform(db.url, undefined, {
      AUTH_CACHE_SECONDS: '1',
      JWT_HS256_SECRET: HS256_SECRET,
      JWKS_PATH: join(home, 'jwks.json'),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    for (const role of ['viewer', 'operator'] as const) keys[role] = (await createApiKey(platform.url, role)).key;
    keys.admin = TEST_ADMIN_KEY;
    const introspection = await gql<IntrospectionQuery>(platform.url, getIntrospectionQuery());
    schema = buildClientSchema(introspection.data!);
    // Something real for the refused calls to try to change.
    const registered = await gql(platform.url, 'mutation($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
      i: {
        name: 'guarded',
        task: 'BINARY_CLASSIFICATION',
        features: [
          { name: 'a', type: 'NUMERIC' },
          { name: 'b', type: 'NUMERIC' },
        ],
      },
    });
    expect(registered.errors).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      const version = await gql(platform.url, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { version } }', {
        i: { model: 'guarded', onnxBase64: model.base64 },
      });
      expect(version.errors).toBeUndefined();
    }
    await gql(platform.url, 'mutation { setModelAlias(model: "guarded", alias: "production", version: 1) { alias } }');
  });

  afterAll(async () => {
    await sql?.end();
    await platform?.stop();
    await db?.drop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('classifies every mutation of the API schema (roles.json agrees with the documented matrix)', () => {
    const mutations = Object.keys(schema.getMutationType()!.getFields()).sort();
    expect(mutations).toEqual(Object.keys(MUTATION_ROLES).sort());
    for (const m of mutations) expect([m, roles.fields[`Mutation.${m}`]]).toEqual([m, MUTATION_ROLES[m]]);
    expect(roles.fields['Query.predict']).toBe('operator');
    expect(roles.fields['Query.predictBatch']).toBe('operator');
    expect(roles.fields['Query.apiKeys']).toBe('admin');
  });

  it('refuses every mutation to anonymous callers and too weak roles, and changes nothing', async () => {
    const before = await fingerprint(sql);
    const refusals: string[] = [];
    for (const [field, needed] of Object.entries(MUTATION_ROLES)) {
      const { query, variables } = mutationCall(schema, field);
      const anonymous = await gqlAs(null, platform.url, query, variables);
      if (code(anonymous) !== 'UNAUTHENTICATED') refusals.push(`${field} anonymous: ${JSON.stringify(anonymous)}`);
      for (const role of ['viewer', 'operator'] as const) {
        if (RANK[role] >= RANK[needed]) continue;
        const res = await gqlAs(keys[role]!, platform.url, query, variables);
        if (code(res) !== 'FORBIDDEN' || res.data) refusals.push(`${field} as ${role}: ${JSON.stringify(res)}`);
      }
    }
    expect(refusals).toEqual([]);
    expect(await fingerprint(sql)).toBe(before);
  });

  it('a refused mutation changes nothing, even next to an allowed one in the same operation', async () => {
    const alias = async () =>
      (
        await gql<{ model: { aliases: Array<{ alias: string; version: { version: number } }> } }>(
          platform.url,
          '{ model(name: "guarded") { aliases { alias version { version } } } }',
        )
      ).data!.model.aliases;
    const models = async () => (await gql<{ models: unknown[] }>(platform.url, '{ models { name } }')).data!.models.length;
    const aliasBefore = await alias();
    const modelsBefore = await models();
    const move = 'setModelAlias(model: "guarded", alias: "production", version: 2) { alias }';
    const register = 'registerModel(input: { name: "sneaky", task: REGRESSION, features: [{ name: "x", type: NUMERIC }] }) { name }';
    expect(code(await gqlAs(keys.viewer!, platform.url, `mutation { ${move} }`))).toBe('FORBIDDEN');
    expect(code(await gqlAs(keys.operator!, platform.url, `mutation { ${register} }`))).toBe('FORBIDDEN');
    // The whole operation is refused before any field of it runs (the alias move is the operator's to make).
    const mixed = await gqlAs(keys.operator!, platform.url, `mutation { a: ${move} b: ${register} }`);
    expect(code(mixed)).toBe('FORBIDDEN');
    expect(mixed.data ?? null).toBeNull();
    expect(await alias()).toEqual(aliasBefore);
    expect(await models()).toBe(modelsBefore);
    // The operator may move it on its own.
    expect((await gqlAs(keys.operator!, platform.url, `mutation { ${move} }`)).errors).toBeUndefined();
    await gql(platform.url, 'mutation { setModelAlias(model: "guarded", alias: "production", version: 1) { alias } }');
  });

  it('subgraphs enforce roles themselves, from the signed identity', async () => {
    const subgraphUrl = (port: number) => `http://127.0.0.1:${port}/graphql`;
    const owners: Record<string, string> = {};
    for (const name of ['registry', 'prediction', 'experiments', 'monitoring']) {
      const sdl = await readFile(join(schemaDir, `${name}.graphql`), 'utf8');
      for (const d of parse(sdl).definitions) {
        if ('name' in d && d.name?.value === 'Mutation' && 'fields' in d) for (const f of d.fields ?? []) owners[f.name.value] = name;
      }
    }
    const ports: Record<string, number> = {
      registry: platform.ports.REGISTRY_PORT!,
      prediction: platform.ports.PREDICTION_PORT!,
      experiments: platform.ports.EXPERIMENTS_PORT!,
      monitoring: platform.ports.MONITORING_PORT!,
    };
    const before = await fingerprint(sql);
    const wrong: string[] = [];
    for (const [field, needed] of Object.entries(MUTATION_ROLES)) {
      const { query, variables } = mutationCall(schema, field);
      const url = subgraphUrl(ports[owners[field]!]!);
      for (const role of ['viewer', 'operator'] as const) {
        if (RANK[role] >= RANK[needed]) continue;
        const res = await gql(url, query, variables, { key: null, signedAs: role });
        if (code(res) !== 'FORBIDDEN') wrong.push(`${field} as ${role} at ${owners[field]}: ${JSON.stringify(res)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await fingerprint(sql)).toBe(before);
  });

  it('a subgraph refuses requests with a missing, forged or expired signature — even _service', async () => {
    const url = `http://127.0.0.1:${platform.ports.REGISTRY_PORT}/graphql`;
    const post = (headers: Record<string, string>, query = '{ models { name } }') =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    const refused = async (res: Response) => {
      expect(res.status).toBe(401);
      expect(((await res.json()) as GraphQLResponse).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    };
    const identity = { subject: 'mallory', roles: ['admin'] };
    await refused(await post({}));
    await refused(await post({}, '{ _service { sdl } }'));
    await refused(await post({ authorization: `Bearer ${TEST_ADMIN_KEY}` }));
    await refused(await post({ 'x-modelplane-identity': signIdentity('not-the-gateway-secret-0123456789abcdef', identity) }));
    await refused(await post({ 'x-modelplane-identity': signIdentity(TEST_GATEWAY_SECRET, identity, Date.now() - 120_000) }));
    // Signed, but without a role: no field is open to that.
    await refused(await post({ 'x-modelplane-identity': signIdentity(TEST_GATEWAY_SECRET, { subject: 'nobody', roles: [] }) }));
    // A valid signature with its payload changed (viewer → admin) is forged too.
    const [v, payload, mac] = signIdentity(TEST_GATEWAY_SECRET, { subject: 'eve', roles: ['viewer'] }).split('.');
    const tampered = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('viewer', 'admin')).toString('base64url');
    await refused(await post({ 'x-modelplane-identity': `${v}.${tampered}.${mac}` }));
    expect((await post(signedHeaders('viewer'))).status).toBe(200);

    // Internal routes: artifacts, streams, key verification.
    const digest = '0'.repeat(64);
    expect((await fetch(`http://127.0.0.1:${platform.ports.REGISTRY_PORT}/artifacts/${digest}`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${platform.ports.REGISTRY_PORT}/artifacts/${digest}`, { headers: signedHeaders() })).status).toBe(
      404,
    );
    expect((await fetch(`http://127.0.0.1:${platform.ports.PREDICTION_PORT}/streams/predictions`)).status).toBe(401);
    const verify = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${platform.ports.REGISTRY_PORT}/internal/keys/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ key: TEST_ADMIN_KEY }),
      });
    expect((await verify({})).status).toBe(401);
    expect(await (await verify(signedHeaders())).json()).toMatchObject({ role: 'admin', name: 'admin (MODELPLANE_ADMIN_KEY)' });

    // Websockets: connection_init must carry a fresh signed identity.
    const connect = (connectionParams?: Record<string, unknown>) =>
      new Promise<number | 'connected'>((resolve) => {
        const client = createClient({
          url: `ws://127.0.0.1:${platform.ports.REGISTRY_PORT}/graphql`,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: false,
          onNonLazyError: () => undefined,
          connectionParams,
          on: {
            connected: () => {
              resolve('connected');
              void client.dispose();
            },
            closed: (e) => resolve((e as { code: number }).code),
          },
        });
      });
    expect(await connect()).toBe(4403);
    expect(await connect({ identity: signIdentity('wrong-secret-0123456789abcdef0123456789', identity) })).toBe(4403);
    expect(await connect(signedConnectionParams())).toBe('connected');
  });

  it('the gateway drops identity headers sent by clients', async () => {
    const forged = signIdentity(TEST_GATEWAY_SECRET, { subject: 'mallory', roles: ['admin'] });
    const res = await gql(platform.url, '{ apiKeys { id } }', undefined, {
      key: keys.viewer!,
      signedAs: null,
      headers: { 'x-modelplane-identity': forged },
    });
    expect(code(res)).toBe('FORBIDDEN');
  });

  it('subscriptions authenticate at connection_init', async () => {
    const connect = (connectionParams?: Record<string, unknown>) =>
      new Promise<number | 'connected'>((resolve) => {
        const client = createClient({
          url: `ws://127.0.0.1:${platform.ports.PORT}/graphql`,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: false,
          onNonLazyError: () => undefined,
          connectionParams,
          on: {
            connected: () => {
              resolve('connected');
              void client.dispose();
            },
            closed: (e) => resolve((e as { code: number }).code),
          },
        });
      });
    expect(await connect()).toBe(4401);
    expect(await connect({ authorization: 'Bearer mp_000000000000_nope' })).toBe(4401);
    expect(await connect({ authorization: `Bearer ${keys.viewer}` })).toBe('connected');
  });

  it('API keys: created with a role, listed without secrets, revoked keys refused within AUTH_CACHE_SECONDS', async () => {
    const created = await gql<{ createApiKey: { key: string; apiKey: { id: string; keyId: string; name: string; role: string } } }>(
      platform.url,
      'mutation { createApiKey(name: "short-lived", role: OPERATOR) { key apiKey { id keyId name role createdAt } } }',
    );
    const { key, apiKey } = created.data!.createApiKey;
    expect(key).toMatch(new RegExp(`^mp_${apiKey.keyId}_[0-9A-Za-z]{43}$`));
    expect(apiKey).toMatchObject({ name: 'short-lived', role: 'OPERATOR' });
    const stored = await sql.query('SELECT secret_hash FROM registry.api_key WHERE id = $1', [apiKey.id]);
    expect(stored.rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored.rows)).not.toContain(key.split('_')[2]);
    const list = await gql<{ apiKeys: Array<Record<string, unknown>> }>(
      platform.url,
      '{ apiKeys { id keyId name role createdAt revokedAt } }',
    );
    expect(list.data!.apiKeys.find((k) => k.id === apiKey.id)).toEqual({ ...apiKey, revokedAt: null });
    expect(JSON.stringify(list)).not.toContain(key);

    expect((await gqlAs(key, platform.url, '{ models { name } }')).errors).toBeUndefined();
    const revoked = await gql<{ revokeApiKey: { revokedAt: string | null } }>(
      platform.url,
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      {
        id: apiKey.id,
      },
    );
    expect(revoked.data!.revokeApiKey.revokedAt).not.toBeNull();
    // AUTH_CACHE_SECONDS=1 here: within about a second the gateway refuses it.
    const deadline = Date.now() + 5000;
    let outcome: string | undefined;
    while (Date.now() < deadline) {
      outcome = code(await gqlAs(key, platform.url, '{ models { name } }'));
      if (outcome === 'UNAUTHENTICATED') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(outcome).toBe('UNAUTHENTICATED');
    expect(code(await gql(platform.url, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: randomUUID() }))).toBe('NOT_FOUND');
    expect(code(await gql(platform.url, 'mutation { createApiKey(name: " ", role: VIEWER) { key } }'))).toBe('BAD_USER_INPUT');
  });

  it('JWTs: HS256 and RS256 with issuer, audience, expiry and role checks', async () => {
    const q = '{ models { name } }';
    const move = 'mutation { setModelAlias(model: "guarded", alias: "jwt", version: 1) { alias } }';
    expect((await gqlAs(hs256(claims()), platform.url, q)).errors).toBeUndefined();
    expect(code(await gqlAs(hs256(claims()), platform.url, move))).toBe('FORBIDDEN');
    expect((await gqlAs(hs256(claims({ roles: ['viewer', 'operator'], role: undefined })), platform.url, move)).errors).toBeUndefined();
    expect((await gqlAs(rs256(claims({ role: 'operator' })), platform.url, move)).errors).toBeUndefined();
    // Who made the change is the token's subject.
    const events = await gql<{ model: { events: Array<{ actor: string; alias: string | null }> } }>(
      platform.url,
      '{ model(name: "guarded") { events(first: 1) { actor alias } } }',
    );
    expect(events.data!.model.events[0]).toEqual({ actor: 'jwt-user', alias: 'jwt' });

    const refusedTokens: Record<string, string> = {
      expired: hs256(claims({ exp: Math.floor(Date.now() / 1000) - 3600 })),
      'no exp': hs256(claims({ exp: undefined })),
      'not yet valid': hs256(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })),
      'wrong issuer': hs256(claims({ iss: 'https://elsewhere.test' })),
      'wrong audience': hs256(claims({ aud: 'someone-else' })),
      'no role': hs256(claims({ role: 'superuser' })),
      'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims({ role: 'admin' }))}.`,
      'bad HS256 signature': `${hs256(claims()).slice(0, -4)}AAAA`,
      'HS256 signed with the RSA public key': hs256(claims(), { alg: 'RS256', kid: 'e2e-key' }),
      'unknown kid': rs256(claims(), 'other-key'),
    };
    for (const [why, token] of Object.entries(refusedTokens)) {
      expect([why, code(await gqlAs(token, platform.url, q))]).toEqual([why, 'UNAUTHENTICATED']);
    }
  });
  // Late: the predictions logged here reach monitoring in the background (the fingerprints above would see it).
  it('predict and predictBatch need operator; apiKeys needs admin; queries need viewer', async () => {
    const predict = 'query { predict(model: "guarded", features: { a: 1, b: 2 }) { score } }';
    const batch = 'query { predictBatch(model: "guarded", rows: [{ a: 1, b: 2 }]) { score } }';
    for (const q of [predict, batch]) {
      expect(code(await gqlAs(null, platform.url, q))).toBe('UNAUTHENTICATED');
      expect(code(await gqlAs(keys.viewer!, platform.url, q))).toBe('FORBIDDEN');
      expect((await gqlAs(keys.operator!, platform.url, q)).errors).toBeUndefined();
    }
    expect(code(await gqlAs(keys.operator!, platform.url, '{ apiKeys { id } }'))).toBe('FORBIDDEN');
    expect((await gqlAs(keys.admin!, platform.url, '{ apiKeys { id } }')).errors).toBeUndefined();
    expect((await gqlAs(keys.viewer!, platform.url, '{ models { name } }')).errors).toBeUndefined();
    const anonymous = await fetch(platform.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ models { name } }"}',
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as GraphQLResponse).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(code(await gqlAs('not-a-key', platform.url, '{ models { name } }'))).toBe('UNAUTHENTICATED');
    // Introspection needs no key while INTROSPECTION is on (Sandbox loads the schema before a key is set).
    expect((await gqlAs(null, platform.url, '{ __schema { queryType { name } } }')).errors).toBeUndefined();
  });

  // Last: allowed calls with dummy arguments may start background work (a training run, alert
  // evaluations) that would disturb the fingerprints of the refusal tests.
  it('lets every role at or above the required one through', async () => {
    const wrong: string[] = [];
    for (const [field, needed] of Object.entries(MUTATION_ROLES)) {
      const { query, variables } = mutationCall(schema, field);
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        if (RANK[role] < RANK[needed]) continue;
        const res = await gqlAs(keys[role]!, platform.url, query, variables);
        // Dummy arguments usually fail validation or lookup; what matters is that it is not an auth refusal.
        if (['UNAUTHENTICATED', 'FORBIDDEN'].includes(code(res) ?? '')) wrong.push(`${field} as ${role}: ${JSON.stringify(res.errors)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
