#!/usr/bin/env node
// Start-to-ready benchmark: `modelplane-server all` on the embedded PostgreSQL, timed from spawn
// to the gateway's /health/ready answering 200. Cold = empty MODELPLANE_HOME (initdb + all
// migrations); warm = the same home again. Run: npm run bench:startup
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = join(root, 'packages', 'server', 'dist', 'main.js');
const runs = Number(process.argv[2] ?? 3);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startOnce(home) {
  const ports = {};
  for (const k of ['PORT', 'REGISTRY_PORT', 'PREDICTION_PORT', 'EXPERIMENTS_PORT', 'MONITORING_PORT', 'EMBEDDED_PG_PORT'])
    ports[k] = String(await freePort());
  const env = { ...process.env, ...ports, MODELPLANE_HOME: home, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const t0 = performance.now();
  const child = spawn(process.execPath, [main, 'all'], { env, stdio: 'ignore' });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${ports.PORT}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    if (performance.now() - t0 > 120000) throw new Error('not ready after 120 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  const ms = performance.now() - t0;
  const exited = new Promise((r) => child.once('exit', r));
  const s0 = performance.now();
  child.kill('SIGTERM');
  await exited;
  return { ms, stopMs: performance.now() - s0 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cold = [];
const warm = [];
const stop = [];
for (let i = 0; i < runs; i++) {
  const home = await mkdtemp(join(tmpdir(), 'modelplane-bench-'));
  try {
    const c = await startOnce(home);
    cold.push(c.ms);
    const w = await startOnce(home);
    warm.push(w.ms);
    stop.push(w.stopMs);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
const result = {
  benchmark: 'startup',
  runs,
  coldMedianMs: Math.round(median(cold)),
  coldMaxMs: Math.round(Math.max(...cold)),
  warmMedianMs: Math.round(median(warm)),
  warmMaxMs: Math.round(Math.max(...warm)),
  stopMedianMs: Math.round(median(stop)),
  at: new Date().toISOString(),
  node: process.version,
};
await mkdir(join(root, 'ops', 'bench', 'results'), { recursive: true });
await writeFile(join(root, 'ops', 'bench', 'results', 'startup.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('| start-up (spawn → gateway ready) | median | max |');
console.log('| --- | --- | --- |');
console.log(
  `| cold: new MODELPLANE_HOME (initdb + migrations) | ${(result.coldMedianMs / 1000).toFixed(1)} s | ${(result.coldMaxMs / 1000).toFixed(1)} s |`,
);
console.log(`| warm: existing cluster | ${(result.warmMedianMs / 1000).toFixed(1)} s | ${(result.warmMaxMs / 1000).toFixed(1)} s |`);
console.log(`| SIGTERM → all stopped (PostgreSQL included) | ${(result.stopMedianMs / 1000).toFixed(1)} s | |`);
