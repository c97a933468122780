import { ModelRefType, modelRefReferences, type SubgraphDefinition } from '@modelplane/core';
import { monitoringMigrations } from '@modelplane/migrations';
import { AlertRule } from './entities/alert-rule.entity';
import { AlertRuleResolver } from './resolvers/alert-rule.resolver';

export const monitoringSubgraph: SubgraphDefinition = {
  name: 'monitoring',
  entities: [AlertRule],
  migrations: monitoringMigrations,
  resolvers: [AlertRuleResolver],
  orphanedTypes: [ModelRefType()],
  references: () => modelRefReferences,
};
