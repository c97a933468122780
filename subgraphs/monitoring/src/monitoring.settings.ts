import type { Config } from '@modelplane/core';
import { ConfigError, defineSettings, setting, type SettingsOf } from '@modelplane/core';

/**
 * The monitoring subgraph's own settings (stream consumption, windows, drift, accuracy, alert evaluation and retention): defaults and doc lines, validated when the
 * subgraph (or a process that runs its parts) starts, listed by `modelplane-server config`.
 */
export const monitoringSettings = defineSettings({
  MONITORING_POLL_MS: {
    doc: 'How often monitoring reads new rows of the prediction log and feedback streams (one consumer across replicas)',
    default: '1000',
    parse: setting.int(10, 600000),
  },
  MONITORING_STREAM_BATCH: { doc: 'Rows monitoring reads per stream request', default: '2000', parse: setting.int(1, 10000) },
  MONITORING_EVALUATION_INTERVAL_MS: {
    doc: 'How often alert rules are evaluated (one pass across replicas); evaluateAlertRules runs a pass on demand',
    default: '30000',
    parse: setting.int(100, 86_400_000),
  },
  MONITORING_WINDOW_SECONDS: {
    doc: 'Default window of drift, latency and accuracy reports and of alert rules',
    default: '3600',
    parse: setting.int(1, 31 * 86400),
  },
  MONITORING_WINDOW_MAX_ROWS: {
    doc: 'A window holds at most this many of the most recent predictions (bounds the cost of a report)',
    default: '100000',
    parse: setting.int(10, 10_000_000),
  },
  MONITORING_BASELINE_ROWS: {
    doc: 'Without a reference profile from experiments, drift compares against the first this-many logged predictions of the version',
    default: '300',
    parse: setting.int(10, 1_000_000),
  },
  MONITORING_DRIFT_MIN_SAMPLE: {
    doc: 'Fewer predictions than this in a window: the drift report says insufficient data instead of guessing',
    default: '30',
    parse: setting.int(1, 1_000_000),
  },
  MONITORING_DRIFT_SHARE: {
    doc: 'Share of drifted features (0-1) at which a drift report calls the dataset drifted (Evidently: 0.5)',
    default: '0.5',
    parse: (raw: string, name: string): number => {
      const n = Number(raw);
      if (!(n > 0 && n <= 1)) throw new ConfigError(`${name}=${JSON.stringify(raw)} must be a number in (0, 1]`);
      return n;
    },
  },
  MONITORING_DRIFT_NUMERIC_METHOD: {
    doc: 'Drift distance for numeric features with a large reference: WASSERSTEIN_NORMED (Evidently default) or PSI',
    default: 'WASSERSTEIN_NORMED',
    parse: setting.oneOf('WASSERSTEIN_NORMED', 'PSI'),
  },
  MONITORING_ACCURACY_MIN_LABELS: {
    doc: 'Labelled predictions a window needs before accuracy, precision, recall and F1 are reported',
    default: '30',
    parse: setting.int(1, 1_000_000),
  },
  MONITORING_RETRAIN_MIN_INTERVAL_SECONDS: {
    doc: 'Default least time between two drift-triggered retrainings of a model (setRetrainPolicy may override it)',
    default: '86400',
    parse: setting.int(0, 365 * 86400),
  },
  MONITORING_RETENTION_HOURS: {
    doc: 'Consumed predictions and labels older than this are deleted by the evaluator (baselines are kept)',
    default: '720',
    parse: setting.int(1, 24 * 3650),
  },
});

/** The platform configuration and the monitoring subgraph's own settings. */
export type MonitoringConfig = Config & SettingsOf<typeof monitoringSettings>;
