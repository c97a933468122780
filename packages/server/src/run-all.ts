import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  ADMIN,
  checkProductionRequirements,
  childEnvironment,
  createLogger,
  gatewaySecret,
  jwtEnabled,
  preferredOrFreePort,
  runByNpmScript,
  setExplicitly,
  signedIdentityHeaders,
  serviceIdentity,
  startEmbeddedPostgres,
  type Config,
  type EmbeddedPostgres,
  type SubgraphName,
  serviceBase,
} from '@modelplane/core';
import { startGateway, type RunningGateway } from '@modelplane/gateway';
import { watchLauncher } from './parent-watch';
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
export async function runAll(configured: Config): Promise<void> {
  const started = Date.now();
  // Before PostgreSQL starts: a misconfigured production start fails with what to set.
  checkProductionRequirements(configured, 'gateway');
  const logger = createLogger('modelplane', configured.LOG_LEVEL);
  const { config, portEnv, moved } = await choosePorts(configured);
  for (const { name, from, to } of moved)
    logger.warn({ variable: name, taken: from, using: to }, `port ${from} is taken: using ${to} (set ${name} to choose)`);
  let pg: EmbeddedPostgres | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    pg = await startEmbeddedPostgres({ home: config.MODELPLANE_HOME, port: config.EMBEDDED_PG_PORT, logger });
    databaseUrl = pg.url;
  }

  const main = join(__dirname, 'main.js');
  // One gateway secret for the gateway (this process) and every subgraph (local mode: generated once).
  const secret = gatewaySecret(config);
  const children = new Map<SubgraphName, Supervised>();
  let stopping = false;

  const spawnChild = (name: SubgraphName): Promise<string> =>
    new Promise((resolve, reject) => {
      // Own process group: the terminal's Ctrl-C reaches only us, and we stop children in order.
      const child = fork(main, [name], {
        env: childEnvironment({ ...portEnv, DATABASE_URL: databaseUrl!, GATEWAY_SECRET: secret }),
        detached: true,
        stdio: 'inherit',
      });
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
  // `npm start` killed (kill -9 included): drain and stop like on SIGTERM instead of living on as an orphan.
  if (runByNpmScript()) {
    watchLauncher((pid) => {
      logger.warn({ pid }, 'the process that started Modelplane is gone; shutting down');
      void shutdown('launcher exited').then(() => process.exit(0));
    });
  }

  let adminKey: AdminKeyBootstrap = { created: false };
  try {
    const urls = Object.fromEntries(await Promise.all(subgraphNames.map(async (name) => [name, await spawnChild(name)] as const)));
    gateway = await startGateway({ config, subgraphUrls: urls });
    adminKey = await bootstrapAdminKey(config, urls.registry!);
  } catch (err) {
    await shutdown('start-up failure');
    throw err;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const shown = gateway.url.replace('127.0.0.1', 'localhost');
  logger.info({ url: gateway.url, seconds: Number(seconds) }, 'modelplane ready');
  if (adminKey.created) logger.info({ keyId: adminKey.keyId }, 'created the first admin API key (shown once in the banner)');
  process.stdout.write(
    `\n  Modelplane is ready in ${seconds}s\n` +
      `  GraphQL:  ${shown}\n` +
      (config.CONSOLE ? `  Console:  ${shown.replace(/\/graphql$/, '/console')} (open in a browser)\n` : '') +
      (config.SANDBOX
        ? `  Explorer: ${config.EXPLORER === 'sandbox' ? `${shown} (Apollo Sandbox: needs internet)` : shown.replace(/\/graphql$/, '/graphiql')}\n`
        : '') +
      `  Metrics:  ${shown.replace(/\/graphql$/, '/metrics')}\n` +
      `  Database: ${pg ? `embedded PostgreSQL in ${pg.dataDir} (port ${pg.port})` : 'DATABASE_URL'}\n` +
      (moved.length
        ? `  Note:     ${moved.map(({ from }) => from).join(', ')} taken (another Modelplane?): free ports for this run\n`
        : '') +
      authBanner(config, adminKey) +
      `  Stop with Ctrl-C.\n\n`,
  );
}

const PORT_VARIABLES = ['PORT', 'REGISTRY_PORT', 'PREDICTION_PORT', 'EXPERIMENTS_PORT', 'MONITORING_PORT'] as const;

/**
 * Local mode: a port left at its default that another program (often another Modelplane) holds
 * is replaced by a free one, so two platforms run side by side without settings. Ports set
 * explicitly, and every port in production, are used as given (a clash is an error there).
 */
async function choosePorts(config: Config): Promise<{
  config: Config;
  portEnv: Record<string, string>;
  moved: { name: string; from: number; to: number }[];
}> {
  const chosen = { ...config };
  const portEnv: Record<string, string> = {};
  const moved: { name: string; from: number; to: number }[] = [];
  if (config.MODELPLANE_MODE !== 'local') return { config, portEnv, moved };
  for (const name of PORT_VARIABLES) {
    if (setExplicitly(name)) continue;
    const port = await preferredOrFreePort(config[name], config.HOST);
    if (port === config[name]) continue;
    chosen[name] = port;
    portEnv[name] = String(port);
    moved.push({ name, from: config[name], to: port });
  }
  return { config: chosen, portEnv, moved };
}

type AdminKeyBootstrap = { created: false } | { created: true; key: string; keyId: string };

/**
 * Local mode's first start: the registry creates an admin key when none exists (it owns the
 * keys) and hands the plaintext back once, for the banner. Later starts find one and create none.
 */
async function bootstrapAdminKey(config: Config, registryUrl: string): Promise<AdminKeyBootstrap> {
  if (config.MODELPLANE_MODE !== 'local' || config.AUTH === 'off') return { created: false };
  const res = await fetch(`${serviceBase(registryUrl)}/internal/keys/bootstrap`, {
    method: 'POST',
    headers: signedIdentityHeaders(config, serviceIdentity('modelplane', ADMIN)),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the registry could not create the first admin key (HTTP ${res.status})`);
  return (await res.json()) as AdminKeyBootstrap;
}

function authBanner(config: Config, adminKey: AdminKeyBootstrap): string {
  if (config.AUTH === 'off') return '  Auth:     off (AUTH=off: everyone is an anonymous admin)\n';
  if (adminKey.created) {
    return (
      `  Admin key: ${adminKey.key}\n` +
      `            shown only now: keep it (export MODELPLANE_API_KEY=…) and send it as Authorization: Bearer <key>\n`
    );
  }
  const kinds = jwtEnabled(config) ? 'API keys and JWTs' : 'API keys';
  return config.MODELPLANE_ADMIN_KEY
    ? `  Auth:     ${kinds} (admin key from MODELPLANE_ADMIN_KEY)\n`
    : `  Auth:     ${kinds} (the admin key was shown on first start; MODELPLANE_ADMIN_KEY adds one)\n`;
}
