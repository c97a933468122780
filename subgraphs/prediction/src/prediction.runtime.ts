import {
  dependencyUrls,
  serviceHeaders,
  serviceIdentity,
  ServingAcks,
  withSubgraphSettings,
  type SubgraphRuntime,
  type SubgraphServices,
} from '@modelplane/core';
import { SessionPool } from '@modelplane/inference';
import { RegistryClient } from './clients/registry-client';
import { ModelCatalog } from './serving/model-catalog';
import { PredictionLogRetention } from './serving/prediction-log-retention';
import { PredictionLogWriter } from './serving/prediction-log-writer';
import { predictionSettings, type PredictionConfig } from './prediction.settings';
import { Predictor } from './serving/predictor';

/** The prediction subgraph's long-lived parts, built once per process and shared by resolvers and routes. */
export class PredictionRuntime implements SubgraphRuntime {
  /** Traffic-split changes answer once every live prediction replica serves them. */
  readonly acks: ServingAcks;
  readonly catalog: ModelCatalog;
  readonly log: PredictionLogWriter;
  readonly retention: PredictionLogRetention;
  readonly predictor: Predictor;

  readonly services: SubgraphServices<PredictionConfig>;

  constructor(platform: SubgraphServices) {
    const services = (this.services = withSubgraphSettings(platform, predictionSettings));
    const { config } = services;
    const urls = dependencyUrls(config, 'prediction');
    const registry = new RegistryClient(urls.registry, config.SUBGRAPH_TIMEOUT_MS, serviceHeaders(config, serviceIdentity('prediction')));
    this.acks = new ServingAcks(services);
    this.catalog = new ModelCatalog(services, registry, new SessionPool({ idleMs: config.SESSION_IDLE_MS }));
    this.log = new PredictionLogWriter({
      db: services.db,
      logger: services.logger,
      registry: services.metrics.registry,
      capacity: config.PREDICTION_LOG_BUFFER,
      flushMs: config.PREDICTION_LOG_FLUSH_MS,
    });
    this.retention = new PredictionLogRetention(services);
    this.predictor = new Predictor(services, this.catalog, this.log);
  }

  private stopAcks?: () => Promise<void>;

  /** Starts listening for model changes, flushing and pruning the log. */
  async start(): Promise<void> {
    // Listening before the catalog's first heartbeat: traffic-split changes wait for the replicas.
    this.stopAcks = this.acks.start();
    await this.catalog.start();
    this.log.start();
    this.retention.start();
  }

  /** Stops in reverse order; the log writes everything still buffered. */
  async stop(): Promise<void> {
    await this.retention.stop();
    await this.log.stop();
    await this.catalog.stop();
    await this.stopAcks?.();
  }
}

export function predictionRuntime(services: SubgraphServices): PredictionRuntime {
  return new PredictionRuntime(services);
}
