import type { SubgraphDefinition } from '@modelplane/core';
import { experimentsMigrations } from '@modelplane/migrations';
import { experimentsEntities } from './entities';
import { experimentsReferences } from './experiments.reference';
import { experimentsRuntime, type ExperimentsRuntime } from './experiments.runtime';
import { experimentsSettings } from './experiments.settings';
import { experimentsResolvers } from './resolvers';
import { AlertRef, ModelRef, ModelVersionRef } from './types/federated.type';

export { experimentsEntities } from './entities';
export { experimentsSettings } from './experiments.settings';
export { startTrainingWorkerService } from './worker-service';

export const experimentsSubgraph: SubgraphDefinition<ExperimentsRuntime> = {
  name: 'experiments',
  entities: experimentsEntities,
  migrations: experimentsMigrations,
  settings: experimentsSettings,
  resolvers: experimentsResolvers,
  orphanedTypes: [ModelRef, ModelVersionRef, AlertRef],
  runtime: experimentsRuntime,
  references: experimentsReferences,
};
