import type { SubgraphDefinition } from '@modelplane/core';
import { monitoringMigrations } from '@modelplane/migrations';
import { monitoringEntities } from './entities';
import { monitoringReferences } from './monitoring.reference';
import { monitoringRuntime, type MonitoringRuntime } from './monitoring.runtime';
import { monitoringSettings } from './monitoring.settings';
import { monitoringResolvers } from './resolvers';
import { ModelRef } from './types/federated.type';

export { monitoringSettings } from './monitoring.settings';

export const monitoringSubgraph: SubgraphDefinition<MonitoringRuntime> = {
  name: 'monitoring',
  entities: monitoringEntities,
  migrations: monitoringMigrations,
  settings: monitoringSettings,
  resolvers: monitoringResolvers,
  orphanedTypes: [ModelRef],
  runtime: monitoringRuntime,
  references: monitoringReferences,
};
