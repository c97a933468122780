/* eslint-disable @typescript-eslint/no-require-imports */
import { configTable, type SettingsSpec } from '@modelplane/core';

/**
 * Every subgraph's own settings fragment, for the configuration reference (`config`, the
 * README table). Loading the subgraph packages side by side is fine here: no schema is built.
 */
export function subgraphSettings(): SettingsSpec[] {
  return [
    (require('@modelplane/prediction') as typeof import('@modelplane/prediction')).predictionSettings,
    (require('@modelplane/experiments') as typeof import('@modelplane/experiments')).experimentsSettings,
    (require('@modelplane/monitoring') as typeof import('@modelplane/monitoring')).monitoringSettings,
  ];
}

/** The whole configuration reference: the platform's settings, then each subgraph's. */
export function fullConfigTable(): string {
  return configTable(...subgraphSettings());
}
