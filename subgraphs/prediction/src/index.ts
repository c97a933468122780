import type { SubgraphDefinition } from '@modelplane/core';
import { predictionMigrations } from '@modelplane/migrations';
import { predictionEntities } from './entities';
import { logStreamRoutes } from './log-stream.routes';
import { predictionReferences } from './prediction.reference';
import { predictionRuntime, type PredictionRuntime } from './prediction.runtime';
import { predictionSettings } from './prediction.settings';
import { predictionResolvers } from './resolvers';
import { ModelRef, ModelVersionRef } from './types/federated.type';

export { predictionSettings } from './prediction.settings';

export const predictionSubgraph: SubgraphDefinition<PredictionRuntime> = {
  name: 'prediction',
  entities: predictionEntities,
  migrations: predictionMigrations,
  settings: predictionSettings,
  resolvers: predictionResolvers,
  orphanedTypes: [ModelRef, ModelVersionRef],
  runtime: predictionRuntime,
  references: predictionReferences,
  routes: logStreamRoutes,
};
