import { servingAcks, type SubgraphDefinition } from '@modelplane/core';
import { registryMigrations } from '@modelplane/migrations';
import { apiKeyRoutes } from './api-key.routes';
import { seedConfiguredAdminKey } from './api-key.seed';
import { artifactRoutes } from './artifact.routes';
import { ApiKey } from './entities/api-key.entity';
import { Artifact } from './entities/artifact.entity';
import { ModelAlias } from './entities/model-alias.entity';
import { ModelEvent } from './entities/model-event.entity';
import { ModelVersion } from './entities/model-version.entity';
import { Model } from './entities/model.entity';
import { listenForIntegrityReports } from './integrity.listener';
import { registryReferences } from './model.reference';
import { ApiKeyResolver } from './resolvers/api-key.resolver';
import { ModelAliasResolver } from './resolvers/model-alias.resolver';
import { ModelEventResolver } from './resolvers/model-event.resolver';
import { ModelVersionResolver } from './resolvers/model-version.resolver';
import { ModelResolver } from './resolvers/model.resolver';

export { PRODUCTION } from './model-registry';

export const registrySubgraph: SubgraphDefinition = {
  name: 'registry',
  entities: [Model, ModelVersion, ModelAlias, ModelEvent, Artifact, ApiKey],
  migrations: registryMigrations,
  resolvers: [ModelResolver, ModelVersionResolver, ModelAliasResolver, ModelEventResolver, ApiKeyResolver],
  references: registryReferences,
  routes: (app, services) => {
    artifactRoutes(app, services);
    apiKeyRoutes(app, services);
  },
  start: async (services) => {
    await seedConfiguredAdminKey(services);
    const stopAcks = servingAcks(services).start();
    const stopIntegrity = await listenForIntegrityReports(services);
    return async () => {
      await stopIntegrity();
      await stopAcks();
    };
  },
};
