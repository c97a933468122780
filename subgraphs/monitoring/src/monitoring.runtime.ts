import { hostname } from 'node:os';
import {
  dependencyUrls,
  MODEL_CHANGED,
  serviceHeaders,
  serviceIdentity,
  withSubgraphSettings,
  type SubgraphRuntime,
  type SubgraphServices,
} from '@modelplane/core';
import { AlertEvaluator } from './alerts/alert-evaluator';
import { Retrainer } from './alerts/retrainer';
import { MonitoringAnalysis } from './analysis/monitoring-analysis';
import { ExperimentsClient } from './clients/experiments-client';
import { HttpStreamSource } from './clients/log-stream-client';
import { RegistryClient } from './clients/registry-client';
import { MonitoringMetrics } from './metrics/monitoring-metrics';
import { monitoringSettings, type MonitoringConfig } from './monitoring.settings';
import { StreamConsumer } from './stream/stream-consumer';

// Calls to other subgraphs made by background work and by evaluateAlertRules: short, so a
// missing subgraph costs a pass little.
const SUBGRAPH_CALL_TIMEOUT_MS = 10000;

/** The monitoring subgraph's long-lived parts, built once per process and shared by the resolvers. */
export class MonitoringRuntime implements SubgraphRuntime {
  readonly registry: RegistryClient;
  readonly experiments: ExperimentsClient;
  readonly analysis: MonitoringAnalysis;
  readonly metrics: MonitoringMetrics;
  readonly consumer: StreamConsumer;
  readonly evaluator: AlertEvaluator;
  readonly retrainer: Retrainer;
  private stopListening?: () => Promise<void>;

  readonly services: SubgraphServices<MonitoringConfig>;

  constructor(platform: SubgraphServices) {
    const services = (this.services = withSubgraphSettings(platform, monitoringSettings));
    const { config, db, logger } = services;
    const timeout = Math.min(SUBGRAPH_CALL_TIMEOUT_MS, config.SUBGRAPH_TIMEOUT_MS);
    const headers = serviceHeaders(config, serviceIdentity('monitoring'));
    const urls = dependencyUrls(config, 'monitoring');
    this.registry = new RegistryClient(urls.registry, timeout, headers);
    this.experiments = new ExperimentsClient(urls.experiments, timeout, logger, headers);
    this.analysis = new MonitoringAnalysis(db, config, this.registry, this.experiments, logger);
    this.metrics = new MonitoringMetrics(services.metrics.registry, db, logger);
    this.retrainer = new Retrainer(db, this.experiments, logger);
    this.consumer = new StreamConsumer({
      db,
      logger,
      source: new HttpStreamSource(urls.prediction, timeout, headers),
      pollMs: config.MONITORING_POLL_MS,
      batchSize: config.MONITORING_STREAM_BATCH,
      onPredictions: (rows) => this.metrics.observe(rows),
    });
    this.evaluator = new AlertEvaluator({
      db,
      config,
      logger,
      analysis: this.analysis,
      retrainer: this.retrainer,
      replica: `${hostname()}:${process.pid}`,
    });
  }

  /** Starts consuming the streams and evaluating rules. */
  async start(): Promise<void> {
    const { pubSub, logger } = this.services;
    // A model's serving version or schema changed: forget the cached description at once.
    const changes = pubSub.subscribe(MODEL_CHANGED);
    const listening = (async () => {
      for await (const event of changes) this.registry.forget(event.model);
    })().catch((err: unknown) => logger.warn({ err }, 'model change listener stopped'));
    this.stopListening = async () => {
      await changes.return?.();
      await listening;
    };
    this.consumer.start();
    this.evaluator.start();
  }

  /** Finishes the work in flight. */
  async stop(): Promise<void> {
    await Promise.all([this.consumer.stop(), this.evaluator.stop()]);
    await this.stopListening?.();
  }
}

export function monitoringRuntime(services: SubgraphServices): MonitoringRuntime {
  return new MonitoringRuntime(services);
}
