import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { until } from '../../../tests/support/wait';
import { freePort } from '../../../tests/support/global-setup';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { createLogger } from './logger';

const logger = createLogger('test', 'silent');

async function select1(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ one: number }>('SELECT 1 AS one');
  await c.end();
  return rows[0]!.one;
}

describe('embedded PostgreSQL', () => {
  let home: string;
  let port: number;
  const started: EmbeddedPostgres[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    port = await freePort();
  });

  afterAll(async () => {
    for (const pg of started) await pg.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('initialises a cluster on first start and keeps data across a clean restart', async () => {
    const pg = await startEmbeddedPostgres({ home, port, logger });
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    await c.query('CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await c.end();
    await pg.stop();
    const again = await startEmbeddedPostgres({ home, port, logger });
    started.push(again);
    const c2 = new Client({ connectionString: again.url });
    await c2.connect();
    expect((await c2.query('SELECT v FROM kept')).rows).toEqual([{ v: 42 }]);
    await c2.end();
  });

  it('recovers when a killed run left its server running (the next start stops it and starts afresh)', async () => {
    // The previous test's server is still up, as after a SIGKILL of the process that started it.
    const next = await startEmbeddedPostgres({ home, port, logger });
    started.push(next);
    expect(await select1(next.url)).toBe(1);
  });

  it('recovers from a stale postmaster.pid whose process is gone', async () => {
    for (const pg of started.splice(0)) await pg.stop();
    await writeFile(join(home, 'postgres', 'postmaster.pid'), '999999\n/nonexistent\n');
    const pg = await startEmbeddedPostgres({ home, port, logger });
    started.push(pg);
    expect(await select1(pg.url)).toBe(1);
  });

  it('fails with a message naming the port when the port is taken', async () => {
    const other = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    try {
      await expect(startEmbeddedPostgres({ home: other, port, logger })).rejects.toThrow(/failed to start on port .*EMBEDDED_PG_PORT/s);
    } finally {
      await rm(other, { recursive: true, force: true, maxRetries: 5 });
    }
  });

  it('chooses a free port when asked for port 0, and says which', async () => {
    const other = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    try {
      const pg = await startEmbeddedPostgres({ home: other, port: 0, logger });
      try {
        expect(pg.port).toBeGreaterThan(0);
        expect(pg.url).toContain(`:${pg.port}/`);
        expect(await select1(pg.url)).toBe(1);
      } finally {
        await pg.stop();
      }
    } finally {
      await rm(other, { recursive: true, force: true, maxRetries: 5 });
    }
  });

  it('does not outlive the process that started it, even when that process is SIGKILLed', async () => {
    const other = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    // A separate Node process starts the server from the compiled core (npm test builds first) and is then killed.
    const script = `require(${JSON.stringify(join(__dirname, '..', 'dist', 'embedded-postgres.js'))})
      .startEmbeddedPostgres({ home: ${JSON.stringify(other)}, port: 0, logger: { info() {}, warn() {} } })
      .then((pg) => { console.log(JSON.stringify({ port: pg.port })); setInterval(() => undefined, 1000); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const { port } = await new Promise<{ port: number }>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()) as { port: number }));
        child.once('exit', (code) => reject(new Error(`the starting process exited with ${code}`)));
      });
      const pidFile = join(other, 'postgres', 'postmaster.pid');
      const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
      expect(processExists(postmaster)).toBe(true);
      child.kill('SIGKILL');
      await until('the orphaned PostgreSQL to stop', () => !processExists(postmaster));
      // The port is free again for the next start.
      const next = await startEmbeddedPostgres({ home: other, port, logger });
      expect(await select1(next.url)).toBe(1);
      await next.stop();
    } finally {
      child.kill('SIGKILL');
      await rm(other, { recursive: true, force: true, maxRetries: 5 });
    }
  });

  it('refuses to take over a cluster whose starting process is still running', async () => {
    const other = await mkdtemp(join(tmpdir(), 'modelplane-epg-'));
    const script = `require(${JSON.stringify(join(__dirname, '..', 'dist', 'embedded-postgres.js'))})
      .startEmbeddedPostgres({ home: ${JSON.stringify(other)}, port: 0, logger: { info() {}, warn() {} } })
      .then((pg) => {
        console.log('up');
        const alive = setInterval(() => undefined, 1000);
        process.on('SIGTERM', () => pg.stop().then(() => clearInterval(alive)));
      });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the starting process exited with ${code}`)));
      });
      await expect(startEmbeddedPostgres({ home: other, port: 0, logger })).rejects.toThrow(
        /still running \(pid \d+\).*another MODELPLANE_HOME/,
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    } finally {
      child.kill('SIGKILL');
      await rm(other, { recursive: true, force: true, maxRetries: 5 });
    }
  });

  const asRoot = userInfo().uid === 0 ? it : it.skip;
  asRoot('as root, keeps the cluster of a home the postgres user cannot reach in /var/lib/modelplane', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'modelplane-private-'));
    await chmod(parent, 0o700);
    const privateHome = join(parent, 'home');
    await mkdir(privateHome);
    try {
      const pg = await startEmbeddedPostgres({ home: privateHome, port: 0, logger });
      try {
        expect(pg.dataDir).toMatch(/^\/var\/lib\/modelplane\/clusters\/[0-9a-f]{16}$/);
        expect(await select1(pg.url)).toBe(1);
      } finally {
        await pg.stop();
      }
      // The same home finds the same cluster again.
      const again = await startEmbeddedPostgres({ home: privateHome, port: 0, logger });
      expect(again.dataDir).toBe(pg.dataDir);
      await again.stop();
      await rm(pg.dataDir, { recursive: true, force: true });
      await rm(`${pg.dataDir}.home`, { force: true });
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

/** Running (not a zombie). */
function processExists(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
