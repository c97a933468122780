#!/usr/bin/env node
import {
  ConfigError,
  createLogger,
  loadConfig,
  startEmbeddedPostgres,
  startSubgraph,
  type Config,
  type RunningService,
} from '@modelplane/core';
import { startGateway } from '@modelplane/gateway';
import { compose } from './compose';
import { manifest } from './manifest';
import { migrate } from './migrate';
import { runAll } from './run-all';
import { printSdl, subgraphInfo } from './sdl';
import { fullConfigTable } from './settings';
import { isSubgraphName, loadSubgraph, subgraphNames } from './subgraphs';
import { startWorker } from './worker';

const usage = `usage: modelplane-server <command>
  all                      PostgreSQL (embedded unless DATABASE_URL), every subgraph and the gateway
  gateway                  the gateway alone
  registry | prediction | experiments | monitoring
                           one subgraph alone (needs DATABASE_URL)
  worker                   a training worker alone (needs DATABASE_URL; health and metrics on WORKER_PORT)
  migrate [up|down] [subgraph…]
                           apply pending migrations (or revert the last one) for the named subgraphs, default all
  compose [--check]        regenerate schema/ from the subgraphs (--check: fail if it is stale)
  sdl <subgraph> [--json]  print one subgraph's SDL (--json: with the roles its root fields need)
  manifest [--check]       regenerate schema/operations/manifest.json, the trusted documents (--check: fail if stale)
  config                   print the configuration reference`;

/** Runs one service until SIGINT/SIGTERM (or, under `all`, until the parent goes away). */
async function serve(config: Config, start: () => Promise<RunningService>): Promise<void> {
  const logger = createLogger('modelplane', config.LOG_LEVEL);
  const service = await start();
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, service: service.name }, 'stopping');
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000);
    force.unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (process.send) {
    // Started by `all`: report readiness, and stop if the parent dies (even by SIGKILL).
    process.on('disconnect', () => stop('parent exited'));
    process.send({ type: 'ready', url: service.url });
  }
}

/** DATABASE_URL, or (local mode only) the embedded PostgreSQL for the duration of `fn`. */
async function withDatabase(config: Config, fn: (url: string) => Promise<void>): Promise<void> {
  if (config.DATABASE_URL) return fn(config.DATABASE_URL);
  // Production never falls back to a throwaway database: a migration there would change nothing real.
  if (config.MODELPLANE_MODE === 'production') throw new ConfigError('production mode needs DATABASE_URL (the PostgreSQL to work on)');
  const pg = await startEmbeddedPostgres({
    home: config.MODELPLANE_HOME,
    port: config.EMBEDDED_PG_PORT,
    logger: createLogger('modelplane', config.LOG_LEVEL),
  });
  try {
    await fn(pg.url);
  } finally {
    await pg.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'all', ...args] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(usage);
    return 0;
  }
  const config = loadConfig();
  if (command === 'all') {
    await runAll(config);
    return -1;
  }
  if (command === 'gateway') {
    await serve(config, () => startGateway({ config }));
    return -1;
  }
  if (command === 'worker') {
    await serve(config, () => startWorker(config));
    return -1;
  }
  if (isSubgraphName(command)) {
    await serve(config, () => startSubgraph(loadSubgraph(command), { config }));
    return -1;
  }
  if (command === 'migrate') {
    const direction = args[0] === 'down' ? 'down' : 'up';
    const names = args.filter(isSubgraphName);
    const unknown = args.filter((a) => a !== 'up' && a !== 'down' && !isSubgraphName(a));
    if (unknown.length) throw new Error(`unknown subgraph ${unknown.join(', ')}; expected ${subgraphNames.join(', ')}`);
    await withDatabase(config, (url) => migrate(config, url, names.length ? names : subgraphNames, direction));
    return 0;
  }
  if (command === 'compose') return compose(args.includes('--check'));
  if (command === 'manifest') return manifest(args.includes('--check'));
  if (command === 'sdl') {
    const name = args[0] ?? '';
    if (!isSubgraphName(name)) throw new Error(`sdl needs a subgraph name: ${subgraphNames.join(', ')}`);
    // --json: the SDL and the roles of its root fields, for `compose`.
    process.stdout.write(args.includes('--json') ? JSON.stringify(await subgraphInfo(name)) : await printSdl(name));
    return 0;
  }
  if (command === 'config') {
    console.log(fullConfigTable());
    return 0;
  }
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    // -1: a long-running service; it exits on its own signal handling.
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    // Configuration problems are the user's to fix: the message says how. Anything else: the stack.
    const plain = err instanceof Error && err.name === 'ConfigError';
    console.error(`modelplane: ${plain ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
