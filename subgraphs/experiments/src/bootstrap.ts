import { RAIN_TOMORROW_FEATURE_NAMES } from '@modelplane/ml';
import type { Logger } from '@modelplane/core';
import { RegistryRejectedError, RegistryUnavailableError } from './clients/registry-client';
import { BUILTIN_DATASET, BUILTIN_LABELS } from './datasets';
import { FINISHED_STATUSES, RunStatus, RunTrigger } from './entities/run.entity';
import type { ExperimentsRuntime } from './experiments.runtime';

export const DEMO_MODEL = 'seattle-rain';
export const BOOTSTRAP_KEY = 'bootstrap';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * First start: when the registry holds no model, register `seattle-rain` and the built-in
 * dataset, and queue its first training run (which the promotion gate promotes, there being no
 * production version). Safe on every replica at once: the model name and the run's idempotency
 * key make every step happen once. Waits for the registry with backoff (it may start after us).
 */
export async function bootstrapDemoModel(runtime: ExperimentsRuntime, logger: Logger, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  let names: string[] | undefined;
  for (let delay = 100; !signal.aborted; delay = Math.min(2000, delay * 2)) {
    try {
      names = await runtime.registry.modelNames();
      break;
    } catch (err) {
      if (!(err instanceof RegistryUnavailableError)) throw err;
      await sleep(delay, signal);
    }
  }
  if (!names || signal.aborted) return;
  if (names.length > 1 || (names.length === 1 && names[0] !== DEMO_MODEL)) return;
  if (names.length === 1) {
    // Only the demo model: carry on if an interrupted first start left it without a version.
    const existing = await runtime.registry.model(DEMO_MODEL);
    if (!existing || existing.versions.length > 0) return;
  } else {
    try {
      await runtime.registry.registerModel({
        name: DEMO_MODEL,
        task: 'BINARY_CLASSIFICATION',
        features: RAIN_TOMORROW_FEATURE_NAMES.map((name) => ({ name, type: 'NUMERIC' as const })),
        labels: BUILTIN_LABELS,
        description:
          'Demo: will it rain in Seattle tomorrow, from today’s weather (precipitation, temperatures, wind, season). Trained on 2012–2014, evaluated on 2015.',
      });
    } catch (err) {
      // Another replica got there first.
      if (!(err instanceof RegistryRejectedError && err.code === 'CONFLICT')) throw err;
    }
  }
  logger.info({ model: DEMO_MODEL }, 'first start: training the demo model');
  const dataset = await runtime.datasets.ensureBuiltin();
  const experiment = await runtime.store.ensureExperiment(DEMO_MODEL, { ...runtime.experimentDefaults, datasetName: BUILTIN_DATASET });
  if (!experiment.datasetName) {
    await runtime.deps.db.query('UPDATE experiments.experiment SET dataset_name = $2 WHERE id = $1', [experiment.id, BUILTIN_DATASET]);
  }
  const run = await runtime.trigger({
    model: DEMO_MODEL,
    reason: `first start: the demo model on ${dataset.name} v${dataset.version}`,
    params: { trainer: 'logistic-regression' },
    idempotencyKey: BOOTSTRAP_KEY,
    trigger: RunTrigger.MANUAL,
    actor: 'modelplane-bootstrap',
  });
  // Report the outcome (the worker logs progress on the way).
  while (!signal.aborted) {
    const current = await runtime.store.find(run.id);
    if (!current || FINISHED_STATUSES.includes(current.status)) {
      if (current?.status === RunStatus.SUCCEEDED) {
        const auc = current.latestMetrics.roc_auc?.value;
        const baseline = current.latestMetrics.baseline_roc_auc?.value;
        logger.info(
          {
            model: DEMO_MODEL,
            version: current.producedVersion,
            rocAuc: auc,
            baselineRocAuc: baseline,
            seconds: (Date.now() - started) / 1000,
          },
          `demo model ${DEMO_MODEL} v${current.producedVersion} is in production (test ROC AUC ${auc?.toFixed(3)}, majority baseline ${baseline?.toFixed(3)})`,
        );
      } else {
        logger.warn({ model: DEMO_MODEL, runId: run.id, status: current?.status, error: current?.error }, 'the demo model did not train');
      }
      return;
    }
    await sleep(200, signal);
  }
}
