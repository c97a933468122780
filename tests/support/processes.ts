import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_HEADER, IDENTITY_PARAM, signIdentity } from '@modelplane/core';
import { freePort } from './global-setup';

export const serverMain = join(__dirname, '..', '..', 'packages', 'server', 'dist', 'main.js');

/**
 * Credentials every test platform gets (startService passes them): the admin key the registry
 * seeds from MODELPLANE_ADMIN_KEY, and the secret the gateway signs forwarded identities with.
 */
export const TEST_ADMIN_KEY = 'mp_7e57ad000000_TestAdminKey0TestAdminKey0TestAdminKey0TestAdm';
export const TEST_GATEWAY_SECRET = 'test-gateway-secret-0123456789abcdef0123456789';

/** What startService adds to every service's environment (a test's own env overrides it). */
export const TEST_AUTH_ENV: Record<string, string> = {
  MODELPLANE_ADMIN_KEY: TEST_ADMIN_KEY,
  GATEWAY_SECRET: TEST_GATEWAY_SECRET,
  // Off unless a test is about it: suites send bursts far above the default 50 req/s.
  RATE_LIMIT_PER_SECOND: '0',
};

export type TestRole = 'viewer' | 'operator' | 'admin';

/** A signed identity header, as the gateway (or a service) sends it to a subgraph. */
export function signedHeaders(role: TestRole = 'admin', subject = `test:${role}`): Record<string, string> {
  return { [IDENTITY_HEADER]: signIdentity(TEST_GATEWAY_SECRET, { subject, roles: [role] }) };
}

/** connectionParams for a graphql-ws connection straight to a subgraph (the gateway's upstream does the same). */
export function signedConnectionParams(role: TestRole = 'viewer'): Record<string, unknown> {
  return { [IDENTITY_PARAM]: signIdentity(TEST_GATEWAY_SECRET, { subject: `test:${role}`, roles: [role] }) };
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  base: string;
  output: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function waitForReady(base: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before it was ready:\n${output()}`);
    const ok = await fetch(`${base}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`not ready after ${timeoutMs} ms:\n${output()}`);
}

/** Runs `modelplane-server <command>` (the compiled build, as users run it) until ready. */
/**
 * A free port found by listening on 0 can be taken by someone else before the child binds it
 * (another test's outgoing connection, say): start again on fresh ports when that happens.
 */
async function retryOnPortClash<T>(fixed: boolean, start: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (fixed || attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

export async function startService(
  command: string,
  env: Record<string, string>,
  portVar: string,
  timeoutMs = 30000,
): Promise<ServiceProcess> {
  return retryOnPortClash(env[portVar] !== undefined, () => spawnService(command, env, portVar, timeoutMs));
}

async function spawnService(command: string, env: Record<string, string>, portVar: string, timeoutMs: number): Promise<ServiceProcess> {
  const port = Number(env[portVar] ?? (await freePort()));
  const child = spawn(process.execPath, [serverMain, command], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...TEST_AUTH_ENV, ...env, [portVar]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const output = () => out;
  const base = `http://127.0.0.1:${port}`;
  await waitForReady(base, child, output, timeoutMs);
  return {
    child,
    url: `${base}/graphql`,
    base,
    output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

export interface Platform extends ServiceProcess {
  ports: Record<string, number>;
}

/** The whole platform (`modelplane-server all`) on free ports against the given database. */
export async function startPlatform(
  databaseUrl: string,
  ports?: Record<string, number>,
  extraEnv: Record<string, string> = {},
): Promise<Platform> {
  return retryOnPortClash(ports !== undefined, async () => {
    const chosen = ports ?? {
      PORT: await freePort(),
      REGISTRY_PORT: await freePort(),
      PREDICTION_PORT: await freePort(),
      EXPERIMENTS_PORT: await freePort(),
      MONITORING_PORT: await freePort(),
    };
    const env = Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, String(v)]));
    const service = await spawnService('all', { DATABASE_URL: databaseUrl, ...extraEnv, ...env }, 'PORT', 60000);
    return { ...service, ports: chosen };
  });
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown>; path?: unknown[] }>;
}

export interface GqlOptions {
  /** Bearer credential (API key or JWT); null sends none. Default: the test admin key. */
  key?: string | null;
  /** Signed identity header (for calls straight to a subgraph; the gateway drops it); null sends none. Default: admin. */
  signedAs?: TestRole | null;
  headers?: Record<string, string>;
}

/**
 * One GraphQL request. By default as an admin: the test admin key for the gateway, and a signed
 * admin identity for a subgraph (each ignores the other's credential).
 */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: GqlOptions = {},
): Promise<GraphQLResponse<T>> {
  const key = options.key === undefined ? TEST_ADMIN_KEY : options.key;
  const signedAs = options.signedAs === undefined ? 'admin' : options.signedAs;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key && { authorization: `Bearer ${key}` }),
      ...(signedAs && signedHeaders(signedAs)),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** gql with a given credential only (no signed identity): what a client of the gateway sends. */
export function gqlAs<T = Record<string, unknown>>(
  key: string | null,
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  return gql<T>(url, query, variables, { key, signedAs: null });
}

/** A new API key with this role, created through the gateway as the test admin. */
export async function createApiKey(gatewayUrl: string, role: TestRole, name = `test-${role}`): Promise<{ key: string; id: string }> {
  const res = await gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
    gatewayUrl,
    'mutation($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) { key apiKey { id } } }',
    { name, role: role.toUpperCase() },
  );
  if (!res.data?.createApiKey) throw new Error(`createApiKey failed: ${JSON.stringify(res.errors)}`);
  return { key: res.data.createApiKey.key, id: res.data.createApiKey.apiKey.id };
}

/** The pid of a child process of `parent` whose command line contains `needle` (Linux /proc). */
export function childPid(parent: number, needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(needle)) return Number(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  throw new Error(`no child of ${parent} runs ${needle}`);
}
