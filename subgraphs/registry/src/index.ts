import type { SubgraphDefinition } from '@modelplane/core';
import { registryMigrations } from '@modelplane/migrations';
import { Model } from './entities/model.entity';
import { modelReferences } from './model.reference';
import { ModelResolver } from './resolvers/model.resolver';

export const registrySubgraph: SubgraphDefinition = {
  name: 'registry',
  entities: [Model],
  migrations: registryMigrations,
  resolvers: [ModelResolver],
  references: modelReferences,
};
