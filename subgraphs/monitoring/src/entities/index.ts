import { AlertRule } from './alert-rule.entity';
import { Alert } from './alert.entity';
import { Baseline } from './baseline.entity';
import { EvaluationPass } from './evaluation-pass.entity';
import { Label } from './label.entity';
import { ModelHealthSnapshot } from './model-health.entity';
import { Observation } from './observation.entity';
import { RetrainPolicy } from './retrain-policy.entity';
import { StreamCursor } from './stream-cursor.entity';

/** The monitoring subgraph's tables (PostgreSQL schema `monitoring`). */
export const monitoringEntities = [
  AlertRule,
  Alert,
  RetrainPolicy,
  Observation,
  Label,
  StreamCursor,
  Baseline,
  ModelHealthSnapshot,
  EvaluationPass,
];
