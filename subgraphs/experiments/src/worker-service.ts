import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkProductionRequirements,
  createDataSource,
  createLogger,
  gatewaySecret,
  Metrics,
  runMigrations,
  withSettings,
  type Config,
  type RunningService,
} from '@modelplane/core';
import { experimentsMigrations } from '@modelplane/migrations';
import express from 'express';
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
  if (!url) throw new Error('training worker: no database (set DATABASE_URL)');
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
  const runtime = new ExperimentsRuntime({ db, config, logger, databaseUrl: url, worker: true, role: 'training-worker' });
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
  let draining = false;
  const app = express();
  app.disable('x-powered-by');
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', service: 'training-worker' });
  });
  app.get('/health/ready', async (_req, res) => {
    const ok =
      !draining &&
      runtime.queue.isStarted &&
      (await db.query('SELECT 1').then(
        () => true,
        () => false,
      ));
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : draining ? 'draining' : 'not ready', service: 'training-worker' });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  const httpServer = createServer(app);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? config.WORKER_PORT, config.HOST, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const base = `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${port}`;
  logger.info({ url: base }, 'training worker ready');
  let stopping: Promise<void> | undefined;
  return {
    name: 'training-worker',
    port,
    url: `${base}/health/ready`,
    httpServer,
    stop() {
      stopping ??= (async () => {
        draining = true;
        await runtime.stop();
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
        });
        await db.destroy();
        logger.info('training worker stopped');
      })();
      return stopping;
    },
  };
}
