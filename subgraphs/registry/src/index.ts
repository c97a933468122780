import type { SubgraphDefinition } from '@modelplane/core';
import { registryMigrations } from '@modelplane/migrations';
import { apiKeyRoutes } from './api-key.routes';
import { artifactRoutes } from './artifact.routes';
import { registryEntities } from './entities';
import { registryReferences } from './registry.reference';
import { registryRuntime, type RegistryRuntime } from './registry.runtime';
import { registryResolvers } from './resolvers';

/** The production alias, as the registry has always exported it (the contract is core's PRODUCTION_ALIAS). */
export { PRODUCTION_ALIAS as PRODUCTION } from '@modelplane/core';

export const registrySubgraph: SubgraphDefinition<RegistryRuntime> = {
  name: 'registry',
  entities: registryEntities,
  migrations: registryMigrations,
  resolvers: registryResolvers,
  runtime: registryRuntime,
  references: registryReferences,
  routes: (app, runtime) => {
    artifactRoutes(app, runtime);
    apiKeyRoutes(app, runtime);
  },
};
