import {
  checkProductionRequirements,
  ConfigError,
  createDataSource,
  createLogger,
  gatewaySecret,
  Metrics,
  runMigrations,
  startHttpService,
  withSettings,
  type Config,
  type RunningService,
} from '@modelplane/core';
import { experimentsMigrations } from '@modelplane/migrations';
import { Gauge } from 'prom-client';
import { experimentsEntities } from './entities';
import { experimentsSettings } from './experiments.settings';
import { ExperimentsRuntime } from './experiments.runtime';

export interface WorkerServiceOptions {
  config: Config;
  databaseUrl?: string;
  port?: number;
}

/**
 * `modelplane-server worker`: a training worker on its own, for scale (a Kubernetes deployment
 * next to the experiments subgraph, which then runs with TRAINING_WORKER=off). It serves only
 * /health/live, /health/ready and /metrics.
 */
export async function startTrainingWorkerService(options: WorkerServiceOptions): Promise<RunningService> {
  const config = withSettings(options.config, experimentsSettings);
  checkProductionRequirements(config, 'worker');
  // The worker registers versions in the registry, signing its calls with the gateway secret.
  gatewaySecret(config);
  const logger = createLogger('training-worker', config.LOG_LEVEL);
  const url = options.databaseUrl ?? config.DATABASE_URL;
  if (!url) throw new ConfigError('training worker: no database (set DATABASE_URL)');
  const db = createDataSource({
    url,
    schema: 'experiments',
    entities: experimentsEntities,
    migrations: experimentsMigrations,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'modelplane-training-worker',
  });
  await db.initialize();
  if (config.MIGRATE_ON_START) await runMigrations(db, 'experiments', logger);
  const runtime = new ExperimentsRuntime({
    db,
    config,
    logger,
    databaseUrl: url,
    service: 'worker',
    worker: true,
    role: 'training-worker',
  });
  await runtime.start();

  const metrics = new Metrics('training-worker');
  new Gauge({
    name: 'modelplane_training_runs_in_progress',
    help: 'Training runs this worker is executing',
    registers: [metrics.registry],
    collect() {
      this.set(runtime.worker?.busy ?? 0);
    },
  });
  // Health and metrics only: the same probes, drain and stop as every service, without /graphql.
  return startHttpService({
    name: 'training-worker',
    logger,
    metrics,
    host: config.HOST,
    port: options.port ?? config.WORKER_PORT,
    bodyLimit: 1024,
    ready: async () => runtime.queue.isStarted && (await db.query('SELECT 1').then(() => true)),
    // Training in flight finishes (or is handed back) before HTTP closes and the pool goes.
    beforeDrain: () => runtime.stop(),
    onClose: async () => {
      await db.destroy();
    },
  });
}
