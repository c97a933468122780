import type { SubgraphDefinition } from '@modelplane/core';
import { registryMigrations } from '@modelplane/migrations';
import { artifactRoutes } from './artifact.routes';
import { Artifact } from './entities/artifact.entity';
import { ModelAlias } from './entities/model-alias.entity';
import { ModelEvent } from './entities/model-event.entity';
import { ModelVersion } from './entities/model-version.entity';
import { Model } from './entities/model.entity';
import { listenForIntegrityReports } from './integrity.listener';
import { registryReferences } from './model.reference';
import { ModelAliasResolver } from './resolvers/model-alias.resolver';
import { ModelEventResolver } from './resolvers/model-event.resolver';
import { ModelVersionResolver } from './resolvers/model-version.resolver';
import { ModelResolver } from './resolvers/model.resolver';

export { PRODUCTION } from './model-registry';

export const registrySubgraph: SubgraphDefinition = {
  name: 'registry',
  entities: [Model, ModelVersion, ModelAlias, ModelEvent, Artifact],
  migrations: registryMigrations,
  resolvers: [ModelResolver, ModelVersionResolver, ModelAliasResolver, ModelEventResolver],
  references: registryReferences,
  routes: artifactRoutes,
  start: listenForIntegrityReports,
};
