import { hostname } from 'node:os';
import {
  dependencyUrls,
  MODEL_CHANGED,
  serviceHeaders,
  serviceIdentity,
  type ModelChangedEvent,
  type SubgraphServices,
} from '@modelplane/core';
import { AlertEvaluator } from './alerts/alert-evaluator';
import { Retrainer } from './alerts/retrainer';
import { MonitoringAnalysis } from './analysis/monitoring-analysis';
import { ExperimentsClient } from './clients/experiments-client';
import { RegistryClient } from './clients/registry-client';
import { MonitoringMetrics } from './metrics/monitoring-metrics';
import { HttpStreamSource } from './stream/log-stream-client';
import { StreamConsumer } from './stream/stream-consumer';

// Calls to other subgraphs made by background work and by evaluateAlertRules: short, so a
// missing subgraph costs a pass little.
const SUBGRAPH_CALL_TIMEOUT_MS = 10000;

export interface MonitoringRuntime {
  registry: RegistryClient;
  experiments: ExperimentsClient;
  analysis: MonitoringAnalysis;
  metrics: MonitoringMetrics;
  consumer: StreamConsumer;
  evaluator: AlertEvaluator;
  retrainer: Retrainer;
}

const runtimes = new WeakMap<SubgraphServices, MonitoringRuntime>();

/** The one monitoring runtime of this process, shared by the resolvers and the start/stop hooks. */
export function monitoringRuntime(services: SubgraphServices): MonitoringRuntime {
  let runtime = runtimes.get(services);
  if (!runtime) {
    const { config, db, logger } = services;
    const timeout = Math.min(SUBGRAPH_CALL_TIMEOUT_MS, config.SUBGRAPH_TIMEOUT_MS);
    const headers = serviceHeaders(config, serviceIdentity('monitoring'));
    const urls = dependencyUrls(config, 'monitoring');
    const registry = new RegistryClient(urls.registry, timeout, headers);
    const experiments = new ExperimentsClient(urls.experiments, timeout, logger, headers);
    const analysis = new MonitoringAnalysis(db, config, registry, experiments, logger);
    const metrics = new MonitoringMetrics(services.metrics.registry, db, logger);
    const retrainer = new Retrainer(db, experiments, logger);
    const consumer = new StreamConsumer({
      db,
      logger,
      source: new HttpStreamSource(urls.prediction, timeout, headers),
      pollMs: config.MONITORING_POLL_MS,
      batchSize: config.MONITORING_STREAM_BATCH,
      onPredictions: (rows) => metrics.observe(rows),
    });
    const evaluator = new AlertEvaluator({ db, config, logger, analysis, retrainer, replica: `${hostname()}:${process.pid}` });
    runtime = { registry, experiments, analysis, metrics, consumer, evaluator, retrainer };
    runtimes.set(services, runtime);
  }
  return runtime;
}

/** Starts consuming the streams and evaluating rules; the returned stop finishes work in flight. */
export async function startMonitoring(services: SubgraphServices): Promise<() => Promise<void>> {
  const runtime = monitoringRuntime(services);
  // A model's serving version or schema changed: forget the cached description at once.
  const changes = services.pubSub.subscribe(MODEL_CHANGED);
  const listening = (async () => {
    for await (const event of changes) runtime.registry.forget((event as ModelChangedEvent).model);
  })().catch((err: unknown) => services.logger.warn({ err }, 'model change listener stopped'));
  runtime.consumer.start();
  runtime.evaluator.start();
  return async () => {
    await Promise.all([runtime.consumer.stop(), runtime.evaluator.stop()]);
    await changes.return?.();
    await listening;
  };
}
