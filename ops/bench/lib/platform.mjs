// Shared by the benchmarks: start the compiled platform on free ports with a fresh embedded
// PostgreSQL (or DATABASE_URL), and a tiny GraphQL client.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const serverMain = join(root, 'packages', 'server', 'dist', 'main.js');

// Credentials of benchmark platforms: an admin key the registry seeds, and the secret the gateway
// (and anything calling a subgraph directly) signs identities with.
export const BENCH_ADMIN_KEY = 'mp_be4c40000000_BenchAdminKey0BenchAdminKey0BenchAdminKey0Ben';
export const BENCH_GATEWAY_SECRET = 'bench-gateway-secret-0123456789abcdef0123456789';
const { signIdentity, IDENTITY_HEADER } = createRequire(import.meta.url)(join(root, 'packages', 'core', 'dist', 'signed-identity.js'));

/** For the gateway: `Authorization: Bearer <admin key>`. */
export const authHeaders = () => ({ authorization: `Bearer ${BENCH_ADMIN_KEY}` });

/** For a subgraph called directly (as the gateway calls it): a signed identity, fresh for a minute. */
export const signedHeaders = (role = 'admin') => ({
  [IDENTITY_HEADER]: signIdentity(BENCH_GATEWAY_SECRET, { subject: `bench:${role}`, roles: [role] }),
});

/** graphql-ws connectionParams for a subgraph's websocket. */
export const signedConnectionParams = (role = 'viewer') => ({
  identity: signIdentity(BENCH_GATEWAY_SECRET, { subject: `bench:${role}`, roles: [role] }),
});

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function startPlatform(extraEnv = {}) {
  const home = await mkdtemp(join(tmpdir(), 'modelplane-bench-'));
  const ports = {};
  for (const k of ['PORT', 'REGISTRY_PORT', 'PREDICTION_PORT', 'EXPERIMENTS_PORT', 'MONITORING_PORT', 'EMBEDDED_PG_PORT'])
    ports[k] = await freePort();
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    MODELPLANE_HOME: home,
    LOG_LEVEL: 'warn',
    MODELPLANE_ADMIN_KEY: BENCH_ADMIN_KEY,
    GATEWAY_SECRET: BENCH_GATEWAY_SECRET,
    // Benchmarks measure the platform, not the per-key limit (50 req/s by default). To be removed
    // once the rate limit is cost-based with workload-sized defaults (issue 18).
    RATE_LIMIT_PER_SECOND: '0',
    ...extraEnv,
  };
  // `undefined` in extraEnv: leave that setting at its default.
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const differing = settingsDifferingFromDefaults(env);
  process.stderr.write(
    `platform settings that differ from the defaults: ${differing.length ? differing.map((d) => `${d.name}=${d.value} (default ${d.default})`).join(', ') : 'none'}\n`,
  );
  const child = spawn(process.execPath, [serverMain, 'all'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const t0 = performance.now();
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${ports.PORT}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`platform exited with ${child.exitCode}`);
    if (performance.now() - t0 > 120000) throw new Error('platform not ready after 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const { user, password } = JSON.parse(await readFile(join(home, 'postgres-credentials.json'), 'utf8').catch(() => '{}'));
  return {
    ports,
    /** The process hosting the gateway (subgraphs and PostgreSQL are its children). */
    pid: child.pid,
    /** MODELPLANE_HOME (the embedded PostgreSQL's data directory is inside). */
    home,
    /** Settings the platform runs with that a user who set nothing would not have. */
    differing,
    databaseUrl:
      extraEnv.DATABASE_URL ?? `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${ports.EMBEDDED_PG_PORT}/modelplane`,
    gateway: `http://127.0.0.1:${ports.PORT}/graphql`,
    subgraph: (port) => `http://127.0.0.1:${port}/graphql`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** One operation as the admin: the key for the gateway and a signed identity for a subgraph (each ignores the other). */
export async function gql(url, query, variables) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(), ...signedHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`${body.errors[0].message}`);
  return body.data;
}

// Where the platform listens and its credentials: necessarily set by a benchmark, not a tuning.
const PLACEMENT = /(_PORT|_URL|_HOME)$|^(PORT|GATEWAY_SECRET|MODELPLANE_ADMIN_KEY|DATABASE_URL)$/;
const { configSpec } = createRequire(import.meta.url)(join(root, 'packages', 'core', 'dist', 'config.js'));

/** Every setting in env (a platform's environment) whose value is not its default; ports, URLs and credentials aside. */
export function settingsDifferingFromDefaults(env) {
  const out = [];
  for (const [name, spec] of Object.entries(configSpec)) {
    if (PLACEMENT.test(name) || env[name] === undefined) continue;
    const fallback = typeof spec.default === 'function' ? spec.default({ ...env, [name]: undefined }) : spec.default;
    if (env[name] !== fallback) out.push({ name, value: env[name], default: fallback });
  }
  return out;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
