import type { NonEmptyArray } from 'type-graphql';
import { AlertRuleResolver } from './alert-rule.resolver';
import { AlertResolver } from './alert.resolver';
import { ModelHealthResolver } from './model-health.resolver';
import { ModelMonitoringResolver } from './model-monitoring.resolver';
import { ReportResolver } from './report.resolver';
import { RetrainPolicyResolver } from './retrain-policy.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const monitoringResolvers: NonEmptyArray<Function> = [
  AlertRuleResolver,
  AlertResolver,
  ReportResolver,
  ModelHealthResolver,
  ModelMonitoringResolver,
  RetrainPolicyResolver,
];
