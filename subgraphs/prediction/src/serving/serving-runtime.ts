import { dependencyUrls, serviceHeaders, serviceIdentity, servingAcks, type SubgraphServices } from '@modelplane/core';
import { SessionPool } from '@modelplane/inference';
import { ModelCatalog } from './model-catalog';
import { PredictionLogRetention } from './prediction-log-retention';
import { PredictionLogWriter } from './prediction-log-writer';
import { Predictor } from './predictor';
import { RegistryClient } from './registry-client';

export interface ServingRuntime {
  catalog: ModelCatalog;
  log: PredictionLogWriter;
  retention: PredictionLogRetention;
  predictor: Predictor;
}

const runtimes = new WeakMap<SubgraphServices, ServingRuntime>();

/** The one serving runtime of this process, shared by the resolvers and the start/stop hooks. */
export function servingRuntime(services: SubgraphServices): ServingRuntime {
  let runtime = runtimes.get(services);
  if (!runtime) {
    const { config } = services;
    const pool = new SessionPool({ idleMs: config.SESSION_IDLE_MS });
    const urls = dependencyUrls(config, 'prediction');
    const registry = new RegistryClient(urls.registry, config.SUBGRAPH_TIMEOUT_MS, serviceHeaders(config, serviceIdentity('prediction')));
    const catalog = new ModelCatalog(services, registry, pool);
    const log = new PredictionLogWriter({
      db: services.db,
      logger: services.logger,
      registry: services.metrics.registry,
      capacity: config.PREDICTION_LOG_BUFFER,
      flushMs: config.PREDICTION_LOG_FLUSH_MS,
    });
    runtime = { catalog, log, retention: new PredictionLogRetention(services), predictor: new Predictor(services, catalog, log) };
    runtimes.set(services, runtime);
  }
  return runtime;
}

/** Starts listening for model changes, flushing and pruning the log; the returned stop flushes everything. */
export async function startServing(services: SubgraphServices): Promise<() => Promise<void>> {
  const runtime = servingRuntime(services);
  // Listening before the catalog's first heartbeat: traffic-split changes wait for the replicas.
  const stopAcks = servingAcks(services).start();
  await runtime.catalog.start();
  runtime.log.start();
  runtime.retention.start();
  return async () => {
    await runtime.retention.stop();
    await runtime.log.stop();
    await runtime.catalog.stop();
    await stopAcks();
  };
}
