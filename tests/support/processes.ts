import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './global-setup';

export const serverMain = join(__dirname, '..', '..', 'packages', 'server', 'dist', 'main.js');

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
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, [portVar]: String(port) },
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

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}
