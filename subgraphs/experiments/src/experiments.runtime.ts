import {
  ADMIN,
  BadUserInputError,
  dependencyUrls,
  NotFoundError,
  assertModelName,
  serviceHeaders,
  serviceIdentity,
  subgraphUnavailable,
  type Config,
  type Logger,
  withSettings,
  withSubgraphSettings,
  type SubgraphRuntime,
  type SubgraphServices,
} from '@modelplane/core';
import type { DataSource } from 'typeorm';
import { bootstrapDemoModel } from './bootstrap';
import { Run, RunStatus, RunTrigger } from './entities/run.entity';
import { BUILTIN_DATASET, DatasetStore, fitsBuiltinDataset } from './datasets';
import { PredictionStreamsClient, type PredictionStreamsApi } from './clients/prediction-streams';
import { RegistryClient, RegistryUnavailableError, type RegistryApi } from './clients/registry-client';
import { codeVersion } from './code-version';
import { RunStore } from './tracking-store';
import { TrainingQueue } from './training/job-queue';
import { parseTrainingParams } from './training/training-params';
import { TrainingWorker } from './training/training-worker';
import { experimentsSettings, type ExperimentsConfig } from './experiments.settings';

export interface TriggerInput {
  model: string;
  reason?: string | null;
  params?: Record<string, unknown> | null;
  idempotencyKey?: string | null;
  trigger: RunTrigger;
  alertId?: string | null;
  actor: string;
}

export interface RuntimeDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
  databaseUrl: string;
  registry?: RegistryApi;
  predictions?: PredictionStreamsApi;
  /** Which service this process is (SERVICE_DEPENDENCIES): the subgraph, or a `worker` process. */
  service: 'experiments' | 'worker';
  /** Whether this process runs training jobs. */
  worker: boolean;
  role: string;
  /** On a first start, register the demo model and queue its training in the background (the subgraph, not workers). */
  bootstrapDemoModel?: boolean;
}

/**
 * The experiments subgraph's long-lived parts: the tracking store, the durable training queue,
 * and (when this process trains) the worker. Built once per process (by the subgraph, or by a
 * standalone `modelplane-server worker`) and shared by the resolvers.
 */
export class ExperimentsRuntime implements SubgraphRuntime {
  readonly store: RunStore;
  readonly datasets: DatasetStore;
  readonly registry: RegistryApi;
  readonly predictions: PredictionStreamsApi;
  readonly queue: TrainingQueue;
  readonly worker: TrainingWorker | undefined;
  private readonly bootstrap = new AbortController();
  private bootstrapping: Promise<void> | undefined;

  /** The dependencies, `config` with this subgraph's own settings (validated here). */
  readonly deps: RuntimeDeps & { config: ExperimentsConfig };

  constructor(given: RuntimeDeps) {
    const deps = (this.deps = { ...given, config: withSettings(given.config, experimentsSettings) });
    this.store = new RunStore(deps.db);
    this.datasets = new DatasetStore(deps.db);
    // Admin: the first-start model bootstrap registers a model, which only admins may do.
    const headers = serviceHeaders(deps.config, serviceIdentity('experiments', ADMIN));
    const urls = dependencyUrls(deps.config, deps.service);
    this.registry = deps.registry ?? new RegistryClient(urls.registry, deps.config.SUBGRAPH_TIMEOUT_MS, headers);
    this.predictions = deps.predictions ?? new PredictionStreamsClient(urls.prediction, deps.config.SUBGRAPH_TIMEOUT_MS, headers);
    this.queue = new TrainingQueue(deps.databaseUrl, deps.config, deps.logger, { supervise: deps.worker, role: deps.role });
    this.worker = deps.worker
      ? new TrainingWorker({
          db: deps.db,
          config: deps.config,
          logger: deps.logger,
          registry: this.registry,
          predictions: this.predictions,
          queue: this.queue,
        })
      : undefined;
  }

  get experimentDefaults() {
    return { minImprovement: this.deps.config.PROMOTION_MIN_AUC_GAIN };
  }

  /** Starts the training queue (and the worker), then, if asked, the demo model bootstrap in the background. */
  async start(): Promise<void> {
    await this.queue.start();
    await this.worker?.start();
    if (this.deps.bootstrapDemoModel) {
      this.bootstrapping = bootstrapDemoModel(this, this.deps.logger, this.bootstrap.signal).catch((err: unknown) => {
        this.deps.logger.error({ err }, 'first-start bootstrap of the demo model failed');
      });
    }
  }

  async stop(): Promise<void> {
    this.bootstrap.abort();
    await this.bootstrapping;
    await this.worker?.stop();
    await this.queue.stop();
  }

  /**
   * Creates a QUEUED run and its durable job in one transaction and returns at once. Everything
   * that can be wrong with the request is checked first, so bad input leaves no row behind.
   */
  async trigger(input: TriggerInput): Promise<Run> {
    assertModelName(input.model, 'model');
    if (input.idempotencyKey) {
      const existing = await this.deps.db.getRepository(Run).findOneBy({ modelName: input.model, idempotencyKey: input.idempotencyKey });
      if (existing) return existing;
    }
    let model;
    try {
      model = await this.registry.model(input.model);
    } catch (err) {
      if (err instanceof RegistryUnavailableError) throw subgraphUnavailable('registry', `check model ${input.model}`, err);
      throw err;
    }
    if (!model) throw new NotFoundError(`model ${input.model} does not exist`, { model: input.model });
    if (model.task !== 'BINARY_CLASSIFICATION' || model.labels?.length !== 2) {
      throw new BadUserInputError(`the built-in trainers train binary classifiers with two labels; ${model.name} is ${model.task}`, {
        argument: 'model',
      });
    }
    const experiment = await this.store.ensureExperiment(input.model, this.experimentDefaults);
    const plan = parseTrainingParams(input.params, { trainer: experiment.trainer, params: experiment.defaultParams });
    const dataset = plan.dataset ?? experiment.datasetName ?? (fitsBuiltinDataset(model.features, model.labels) ? BUILTIN_DATASET : null);
    if (!dataset) {
      throw new BadUserInputError(
        `model ${model.name} has no training dataset: register one with registerDataset(input: { model: "${model.name}", … }) or pass params.dataset`,
        { argument: 'params' },
      );
    }
    if (dataset !== BUILTIN_DATASET && !(await this.datasets.latestBase(dataset))) {
      throw new NotFoundError(`dataset ${dataset} does not exist`, { argument: 'params', dataset });
    }
    const { run, created } = await this.deps.db.transaction(async (em) => {
      const result = await this.store.createRun(
        {
          model: input.model,
          trigger: input.trigger,
          status: RunStatus.QUEUED,
          managed: true,
          reason: input.reason ?? null,
          seed: plan.seed,
          codeVersion: codeVersion(),
          idempotencyKey: input.idempotencyKey ?? null,
          alertId: input.alertId ?? null,
          request: plan,
          tags: { 'modelplane.trainer': plan.trainer, ...(input.alertId ? { 'modelplane.alert_id': input.alertId } : {}) },
          createdBy: input.actor,
        },
        this.experimentDefaults,
        em,
      );
      if (result.created) {
        await this.store.appendLog(em, result.run.id, `queued (${input.trigger}${input.reason ? `: ${input.reason}` : ''})`);
        await this.queue.enqueue(em, result.run.id);
      }
      return result;
    });
    if (created) {
      this.deps.logger.info({ runId: run.id, model: run.modelName, trigger: run.trigger }, 'training run queued');
      this.worker?.notify();
    }
    return run;
  }

  async cancel(runId: string, reason: string | null): Promise<Run> {
    const { run, changed } = await this.store.cancel(runId, reason);
    // The run row is the truth; the job is cancelled too so no worker picks it up, best effort.
    if (changed && run.managed) {
      await this.queue.cancel(run.id).catch((err: unknown) => this.deps.logger.warn({ err, runId }, 'could not cancel the training job'));
    }
    return run;
  }
}

/** The experiments subgraph's runtime: trains in-process unless TRAINING_WORKER=off. */
export function experimentsRuntime(platform: SubgraphServices): ExperimentsRuntime {
  const services = withSubgraphSettings(platform, experimentsSettings);
  return new ExperimentsRuntime({
    db: services.db,
    config: services.config,
    logger: services.logger,
    databaseUrl: services.databaseUrl,
    service: 'experiments',
    worker: services.config.TRAINING_WORKER === 'in-process',
    role: 'experiments',
    bootstrapDemoModel: services.config.BOOTSTRAP_DEMO_MODEL,
  });
}
