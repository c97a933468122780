// Peer gateways for ops/bench/gateway.mjs: each runs in a child process of its own (as ours runs
// in the platform's process), pointed at the platform's subgraphs.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './platform.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The committed supergraph with each `@join__graph(url:)` pointed at the given subgraph URL. */
export async function rewrittenSupergraph(urls) {
  const sdl = await readFile(join(root, 'schema', 'supergraph.graphql'), 'utf8');
  const rewritten = sdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (whole, name) =>
    urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : whole,
  );
  for (const name of Object.keys(urls))
    if (!rewritten.includes(`url: "${urls[name]}"`)) throw new Error(`no subgraph ${name} in the supergraph`);
  const dir = await mkdtemp(join(tmpdir(), 'modelplane-bench-supergraph-'));
  const path = join(dir, 'supergraph.graphql');
  await writeFile(path, rewritten);
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Spawns one of the lib/*-gateway-server.mjs scripts and waits for its `READY <url>` line. */
export function startGatewayChild(script, env, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, script)], {
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} not ready after ${timeoutMs} ms:\n${out}${err}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => (err += d.toString()).length > 20000 && (err = err.slice(-10000)));
    child.stdout.on('data', (d) => {
      out += d.toString();
      const ready = /READY (\S+)/.exec(out);
      if (!ready) return;
      clearTimeout(timer);
      resolve({
        url: ready[1],
        pid: child.pid,
        stderr: () => err,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const force = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(force);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${out}${err}`));
    });
  });
}
