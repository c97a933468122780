import { ModelRefType, modelRefReferences, type SubgraphDefinition } from '@modelplane/core';
import { experimentsMigrations } from '@modelplane/migrations';
import { Run } from './entities/run.entity';
import { RunResolver } from './resolvers/run.resolver';

export const experimentsSubgraph: SubgraphDefinition = {
  name: 'experiments',
  entities: [Run],
  migrations: experimentsMigrations,
  resolvers: [RunResolver],
  orphanedTypes: [ModelRefType()],
  references: () => modelRefReferences,
};
