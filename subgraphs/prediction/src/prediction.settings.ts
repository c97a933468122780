import type { Config } from '@modelplane/core';
import { defineSettings, setting, type SettingsOf } from '@modelplane/core';

/**
 * The prediction subgraph's own settings (the prediction log, ONNX sessions and serving refreshes): defaults and doc lines, validated when the
 * subgraph (or a process that runs its parts) starts, listed by `modelplane-server config`.
 */
export const predictionSettings = defineSettings({
  PREDICT_BATCH_MAX_ROWS: { doc: 'Most rows one predictBatch may carry', default: '10000', parse: setting.int(1, 1_000_000) },
  PREDICTION_LOG_BUFFER: {
    doc: 'Prediction log rows held in memory awaiting their batched COPY; when full, new predictions are refused (OVERLOADED, counted)',
    default: '100000',
    parse: setting.int(100, 10_000_000),
  },
  PREDICTION_LOG_FLUSH_MS: { doc: 'How often the prediction log buffer is written', default: '200', parse: setting.int(10, 60000) },
  PREDICTION_LOG_RETENTION_DAYS: {
    doc: 'Prediction log rows and feedback older than this are deleted, a bounded batch at a time (0: keep everything)',
    default: '30',
    parse: setting.int(0, 36500),
  },
  PREDICTION_LOG_PRUNE_INTERVAL_MS: {
    doc: 'How often one prediction replica deletes prediction log rows past PREDICTION_LOG_RETENTION_DAYS',
    default: '600000',
    parse: setting.int(100, 86_400_000),
  },
  SESSION_IDLE_MS: {
    doc: 'An ONNX session nothing routes to is released after this long unused',
    default: '300000',
    parse: setting.int(0, 86_400_000),
  },
  SERVING_REFRESH_MS: {
    doc: 'Safety-net refresh of cached aliases in the prediction service (alias moves arrive as events first)',
    default: '30000',
    parse: setting.int(1000, 3_600_000),
  },
});

/** The platform configuration and the prediction subgraph's own settings. */
export type PredictionConfig = Config & SettingsOf<typeof predictionSettings>;
