import { ModelRefType, type SubgraphDefinition } from '@modelplane/core';
import { monitoringMigrations } from '@modelplane/migrations';
import { AlertRule } from './entities/alert-rule.entity';
import { Alert } from './entities/alert.entity';
import { Baseline } from './entities/baseline.entity';
import { EvaluationPass } from './entities/evaluation-pass.entity';
import { Label } from './entities/label.entity';
import { ModelHealthSnapshot } from './entities/model-health.entity';
import { Observation } from './entities/observation.entity';
import { RetrainPolicy } from './entities/retrain-policy.entity';
import { StreamCursor } from './entities/stream-cursor.entity';
import { monitoringReferences } from './monitoring.reference';
import { startMonitoring } from './monitoring-runtime';
import { AlertRuleResolver } from './resolvers/alert-rule.resolver';
import { AlertResolver } from './resolvers/alert.resolver';
import { ModelHealthResolver } from './resolvers/model-health.resolver';
import { ModelMonitoringResolver } from './resolvers/model-monitoring.resolver';
import { ReportResolver } from './resolvers/report.resolver';
import { RetrainPolicyResolver } from './resolvers/retrain-policy.resolver';

export const monitoringSubgraph: SubgraphDefinition = {
  name: 'monitoring',
  entities: [AlertRule, Alert, RetrainPolicy, Observation, Label, StreamCursor, Baseline, ModelHealthSnapshot, EvaluationPass],
  migrations: monitoringMigrations,
  resolvers: [AlertRuleResolver, AlertResolver, ReportResolver, ModelHealthResolver, ModelMonitoringResolver, RetrainPolicyResolver],
  orphanedTypes: [ModelRefType()],
  references: monitoringReferences,
  start: startMonitoring,
};
