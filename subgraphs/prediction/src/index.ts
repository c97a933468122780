import { ModelRefType, modelRefReferences, type SubgraphDefinition } from '@modelplane/core';
import { predictionMigrations } from '@modelplane/migrations';
import { TrafficSplit } from './entities/traffic-split.entity';
import { TrafficSplitResolver } from './resolvers/traffic-split.resolver';

export const predictionSubgraph: SubgraphDefinition = {
  name: 'prediction',
  entities: [TrafficSplit],
  migrations: predictionMigrations,
  resolvers: [TrafficSplitResolver],
  orphanedTypes: [ModelRefType()],
  references: () => modelRefReferences,
};
