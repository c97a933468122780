import { spawnSync } from 'node:child_process';
import { stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { gqlAs, serverMain, startPlatform, startService, TEST_GATEWAY_SECRET, type Platform } from '../support/processes';

/**
 * Start-up auth: local mode's first start creates an admin key and prints it once (reused, not
 * recreated, on restart) and keeps a generated gateway secret in MODELPLANE_HOME; production mode
 * refuses to start without a gateway secret and a way to authenticate.
 */
const KEY_PATTERN = /mp_[0-9a-f]{12}_[0-9A-Za-z]{43}/g;

async function banner(platform: Platform): Promise<string> {
  // The banner follows readiness by the admin key bootstrap: wait for it.
  const deadline = Date.now() + 10000;
  while (!platform.output().includes('Stop with Ctrl-C.')) {
    if (Date.now() > deadline) throw new Error(`no banner:\n${platform.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return platform.output();
}

/** Runs `modelplane-server <command>` until it exits (it should refuse to start). */
function refusedStart(command: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const res = spawnSync(process.execPath, [serverMain, command], {
    env: { ...process.env, LOG_LEVEL: 'warn', GATEWAY_SECRET: '', MODELPLANE_ADMIN_KEY: '', JWT_HS256_SECRET: '', JWKS_PATH: '', ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
  return { status: res.status, stderr: res.stderr };
}

describe('start-up authentication', () => {
  let db: TestDatabase;
  let home: string;
  let platform: Platform | undefined;
  /** The key the first start printed (used by the later tests). */
  let adminKey = '';

  beforeAll(async () => {
    db = await createTestDatabase('e2e_local_auth');
    home = await mkdtemp(join(tmpdir(), 'modelplane-local-auth-'));
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
    await rm(home, { recursive: true, force: true });
  });

  it('local mode: the first start prints a new admin key once; a restart reuses it and prints none', async () => {
    const env = { MODELPLANE_ADMIN_KEY: '', GATEWAY_SECRET: '', MODELPLANE_HOME: home, LOG_LEVEL: 'info' };
    platform = await startPlatform(db.url, undefined, env);
    const first = await banner(platform);
    const printed = first.match(KEY_PATTERN) ?? [];
    expect(printed).toHaveLength(1);
    const key = printed[0]!;
    adminKey = key;
    expect(first).toContain('Admin key: mp_');
    // The log says that a key was created, by its id, never the key itself.
    const keyId = key.split('_')[1]!;
    const logLine = first.split('\n').find((l) => l.includes('created the first admin API key') && l.startsWith('{'));
    expect(logLine).toContain(keyId);
    expect(first.split('\n').filter((l) => l.startsWith('{') && l.includes(key))).toEqual([]);
    // A gateway secret was generated for this home, readable by its owner only.
    expect((await stat(join(home, 'gateway-secret'))).mode & 0o777).toBe(0o600);

    const keys = await gqlAs<{ apiKeys: Array<{ name: string; role: string; keyId: string }> }>(
      key,
      platform.url,
      '{ apiKeys { name role keyId } }',
    );
    expect(keys.data?.apiKeys).toEqual([{ name: 'admin (first start)', role: 'ADMIN', keyId }]);

    const ports = platform.ports;
    expect(await platform.stop()).toBe(0);
    platform = await startPlatform(db.url, ports, env);
    const second = await banner(platform);
    expect(second.match(KEY_PATTERN)).toBeNull();
    expect(second).toContain('the admin key was shown on first start');
    expect((await gqlAs(key, platform.url, '{ apiKeys { name } }')).errors).toBeUndefined();
  });

  it("access log: one line per operation with name, outcome and key id, the caller's trace id reaching subgraphs; no variables or keys", async () => {
    const key = adminKey;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const secretValue = 'feature-value-that-must-not-be-logged';
    const res = await fetch(platform!.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${key}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        'x-request-id': 'e2e-trace-1',
      },
      body: JSON.stringify({
        query: 'mutation Register($i: RegisterModelInput!) { registerModel(input: $i) { name } }',
        variables: { i: { name: 'traced', task: 'REGRESSION', features: [{ name: 'x', type: 'NUMERIC' }], description: secretValue } },
      }),
    });
    expect(res.headers.get('x-request-id')).toBe('e2e-trace-1');
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    const lines = platform!
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = lines.filter((l) => l.requestId === 'e2e-trace-1' && l.msg === 'graphql');
    const gateway = ours.find((l) => l.service === 'gateway');
    expect(gateway).toMatchObject({
      operation: 'Register',
      type: 'mutation',
      outcome: 'ok',
      status: 200,
      traceId,
      keyId: key.split('_')[1],
    });
    expect(ours.find((l) => l.service === 'registry')).toMatchObject({ operation: 'Register', outcome: 'ok', traceId });
    expect(platform!.output()).not.toContain(secretValue);
    expect(
      platform!
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(key)),
    ).toEqual([]);
    // A refusal is logged too, with its code.
    await fetch(platform!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'e2e-trace-2' },
      body: '{"query":"{ models { name } }"}',
    });
    await new Promise((r) => setTimeout(r, 300));
    const refused = platform!
      .output()
      .split('\n')
      .filter((l) => l.includes('"e2e-trace-2"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(refused).toEqual([expect.objectContaining({ outcome: 'refused', code: 'UNAUTHENTICATED', status: 401, subject: null })]);
  });

  it('production mode refuses to start without a gateway secret and a way to authenticate', () => {
    const production = { MODELPLANE_MODE: 'production' };
    const noSecret = refusedStart('gateway', production);
    expect(noSecret.status).toBe(1);
    expect(noSecret.stderr).toContain('production mode refuses to start the gateway without authentication configured');
    expect(noSecret.stderr).toContain('GATEWAY_SECRET');
    const noCredentials = refusedStart('gateway', { ...production, GATEWAY_SECRET: TEST_GATEWAY_SECRET });
    expect(noCredentials.status).toBe(1);
    expect(noCredentials.stderr).toContain('MODELPLANE_ADMIN_KEY, or JWTs');
    expect(noCredentials.stderr).not.toContain('GATEWAY_SECRET (');
    const subgraph = refusedStart('registry', { ...production, DATABASE_URL: db.url });
    expect(subgraph.status).toBe(1);
    expect(subgraph.stderr).toContain('production mode refuses to start the subgraph');
    const authOff = refusedStart('gateway', { ...production, AUTH: 'off' });
    expect(authOff.status).toBe(1);
    expect(authOff.stderr).toContain('AUTH=off is only allowed in local mode');
    const jwtWithoutAudience = refusedStart('gateway', {
      ...production,
      GATEWAY_SECRET: TEST_GATEWAY_SECRET,
      JWT_HS256_SECRET: 'x'.repeat(32),
    });
    expect(jwtWithoutAudience.stderr).toContain('JWT_ISSUER and JWT_AUDIENCE are required');
  });

  it('production mode starts the gateway with a gateway secret and an admin key', async () => {
    const gateway = await startService('gateway', { MODELPLANE_MODE: 'production' }, 'PORT');
    try {
      expect((await fetch(`${gateway.base}/health/ready`)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});
