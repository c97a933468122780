import type { Config } from '@modelplane/core';
import { defineSettings, isProduction, setting, type SettingsOf } from '@modelplane/core';

/**
 * The experiments subgraph's own settings (training jobs, workers and the promotion gate): defaults and doc lines, validated when the
 * subgraph (or a process that runs its parts) starts, listed by `modelplane-server config`.
 */
export const experimentsSettings = defineSettings({
  WORKER_PORT: {
    doc: 'Port of a training worker (`modelplane-server worker`): health and metrics only',
    default: '4005',
    parse: setting.port,
  },
  TRAINING_WORKER: {
    doc: 'Where training jobs run: `in-process` (inside the experiments subgraph) or `off` (separate `worker` processes); default in-process in local mode',
    default: (env: NodeJS.ProcessEnv) => (isProduction(env) ? 'off' : 'in-process'),
    parse: setting.oneOf('in-process', 'off'),
  },
  TRAINING_CONCURRENCY: { doc: 'Training jobs one worker process runs at a time', default: '1', parse: setting.int(1, 64) },
  TRAINING_RETRY_LIMIT: {
    doc: 'Retries of a training job whose attempt failed or whose worker died',
    default: '2',
    parse: setting.int(0, 100),
  },
  TRAINING_HEARTBEAT_TIMEOUT_SECONDS: {
    doc: 'A running training job whose worker has not reported for this long is handed to another worker',
    default: '30',
    parse: setting.int(1, 3600),
  },
  TRAINING_JOB_TIMEOUT_SECONDS: {
    doc: 'Longest a training job may run before the queue expires it (and retries it)',
    default: '3600',
    parse: setting.int(10, 86_000),
  },
  PROMOTION_MIN_AUC_GAIN: {
    doc: 'Default promotion gate: a retrained version replaces production only if its test ROC AUC is higher by at least this much',
    default: '0.005',
    parse: setting.num(-1, 1),
  },
  BOOTSTRAP_DEMO_MODEL: {
    doc: 'On first start (empty registry) train and promote the demo model `seattle-rain` (default: on in local mode, off under NODE_ENV=test)',
    default: (env: NodeJS.ProcessEnv) => String(!isProduction(env) && env.NODE_ENV !== 'test'),
    parse: setting.bool,
  },
});

/** The platform configuration and the experiments subgraph's own settings. */
export type ExperimentsConfig = Config & SettingsOf<typeof experimentsSettings>;
