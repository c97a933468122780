import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  childEnvironment,
  createLogger,
  startEmbeddedPostgres,
  type Config,
  type EmbeddedPostgres,
  type SubgraphName,
} from '@modelplane/core';
import { startGateway, type RunningGateway } from '@modelplane/gateway';
import { subgraphNames } from './subgraphs';

interface ChildMessage {
  type: 'ready';
  url: string;
}

interface Supervised {
  name: SubgraphName;
  child: ChildProcess;
  restarts: number[];
}

/**
 * `npm start`: the whole platform on one machine. PostgreSQL (embedded unless DATABASE_URL is
 * set), each subgraph in its own process exactly as Kubernetes runs them, and the gateway in
 * this one. On SIGINT/SIGTERM the gateway drains first, then the subgraphs, then PostgreSQL.
 */
export async function runAll(config: Config): Promise<void> {
  const started = Date.now();
  const logger = createLogger('modelplane', config.LOG_LEVEL);
  let pg: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    pg = await startEmbeddedPostgres({ home: config.MODELPLANE_HOME, port: config.EMBEDDED_PG_PORT, logger });
    databaseUrl = pg.url;
  }

  const main = join(__dirname, 'main.js');
  const children = new Map<SubgraphName, Supervised>();
  let stopping = false;

  const spawnChild = (name: SubgraphName): Promise<string> =>
    new Promise((resolve, reject) => {
      // Own process group: the terminal's Ctrl-C reaches only us, and we stop children in order.
      const child = fork(main, [name], { env: childEnvironment({ DATABASE_URL: databaseUrl }), detached: true, stdio: 'inherit' });
      const entry = children.get(name) ?? { name, child, restarts: [] };
      entry.child = child;
      children.set(name, entry);
      child.once('message', (msg: ChildMessage) => {
        if (msg?.type === 'ready') resolve(msg.url);
      });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal})`));
        const now = Date.now();
        entry.restarts = entry.restarts.filter((t) => now - t < 60_000);
        if (entry.restarts.length >= 5) {
          logger.error({ subgraph: name }, 'subgraph keeps crashing; giving up on it');
          return;
        }
        entry.restarts.push(now);
        const delay = 250 * 2 ** entry.restarts.length;
        logger.warn({ subgraph: name, code, signal, restartInMs: delay }, 'subgraph exited; restarting');
        setTimeout(() => spawnChild(name).catch(() => undefined), delay);
      });
    });

  let gateway: RunningGateway | undefined;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining the gateway, then subgraphs, then PostgreSQL');
    await gateway?.stop().catch((err: unknown) => logger.error({ err }, 'gateway stop failed'));
    await Promise.all(
      [...children.values()].map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
          }),
      ),
    );
    await pg?.stop();
    logger.info('stopped');
  };
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));

  try {
    const urls = await Promise.all(subgraphNames.map(async (name) => [name, await spawnChild(name)] as const));
    gateway = await startGateway({ config, subgraphUrls: Object.fromEntries(urls) });
  } catch (err) {
    await shutdown('start-up failure');
    throw err;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const shown = gateway.url.replace('127.0.0.1', 'localhost');
  logger.info({ url: gateway.url, seconds: Number(seconds) }, 'modelplane ready');
  process.stdout.write(
    `\n  Modelplane is ready in ${seconds}s\n` +
      `  GraphQL:  ${shown}\n` +
      (config.SANDBOX ? `  Sandbox:  ${shown.replace(/\/graphql$/, '/')} (open in a browser)\n` : '') +
      `  Metrics:  ${shown.replace(/\/graphql$/, '/metrics')}\n` +
      `  Database: ${pg ? `embedded PostgreSQL in ${config.MODELPLANE_HOME}` : 'DATABASE_URL'}\n  Stop with Ctrl-C.\n\n`,
  );
}
