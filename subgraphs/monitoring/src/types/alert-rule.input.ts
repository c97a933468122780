import { Field, Float, InputType, Int } from 'type-graphql';
import { AlertKind, AlertSeverity } from '../entities/alert-rule.entity';

@InputType({ description: 'A new alert rule (ranges per kind are checked: see AlertRule.threshold)' })
export class AlertRuleInput {
  @Field()
  model!: string;

  @Field(() => AlertKind)
  kind!: AlertKind;

  @Field(() => Float, {
    description:
      'DRIFT: share of drifted features (0-1]; LATENCY: p95 in ms (> 0); ACCURACY: lowest accuracy [0-1]; ERROR_RATE: highest error share [0-1]',
  })
  threshold!: number;

  @Field(() => Int, { nullable: true, description: 'Window measured at each evaluation (default MONITORING_WINDOW_SECONDS)' })
  windowSeconds?: number | null;

  @Field(() => AlertSeverity, { nullable: true, defaultValue: AlertSeverity.WARNING })
  severity?: AlertSeverity | null;

  @Field(() => Int, { nullable: true, description: 'How long the condition must hold before firing (default 0)' })
  forSeconds?: number | null;
}

@InputType({ description: 'Changes to an alert rule; omitted fields stay as they are' })
export class UpdateAlertRuleInput {
  @Field(() => Float, { nullable: true })
  threshold?: number | null;

  @Field(() => Int, { nullable: true })
  windowSeconds?: number | null;

  @Field(() => AlertSeverity, { nullable: true })
  severity?: AlertSeverity | null;

  @Field(() => Int, { nullable: true })
  forSeconds?: number | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}
