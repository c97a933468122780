import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { AlertKind, AlertSeverity } from './alert-rule.entity';

export enum AlertStatus {
  FIRING = 'FIRING',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  RESOLVED = 'RESOLVED',
}
registerEnumType(AlertStatus, {
  name: 'AlertStatus',
  valuesConfig: {
    FIRING: { description: 'The condition holds and nobody has acknowledged it' },
    ACKNOWLEDGED: { description: 'Someone is on it; it still resolves by itself when the condition clears' },
    RESOLVED: { description: 'The condition cleared (or its rule was deleted)' },
  },
});

export enum RetrainStatus {
  PENDING = 'PENDING',
  REQUESTED = 'REQUESTED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(RetrainStatus, {
  name: 'RetrainStatus',
  description: 'What a drift alert did about retraining (the retrain policy of its model)',
  valuesConfig: {
    PENDING: { description: 'Retraining is due and about to be requested' },
    REQUESTED: { description: 'The experiments subgraph accepted triggerRetraining' },
    FAILED: { description: 'triggerRetraining failed; it is retried on every evaluation pass while the alert is open' },
    SKIPPED: { description: 'The model was retrained less than minIntervalSeconds ago' },
  },
});

/** Open alerts: FIRING or ACKNOWLEDGED. */
export const OPEN_STATUSES: readonly AlertStatus[] = [AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED];

@ObjectType({ description: 'A rule that held: fired, maybe acknowledged, resolved when the condition clears' })
@Directive('@key(fields: "id")')
@Entity({ name: 'alert' })
export class Alert {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => ID, { nullable: true, description: 'The rule that fired (null once the rule is deleted)' })
  @Column({ name: 'rule_id', type: 'uuid', nullable: true })
  ruleId!: string | null;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field(() => Int, { nullable: true, description: 'The version the measurement was about (drift: the serving version)' })
  @Column({ type: 'integer', nullable: true })
  version!: number | null;

  @Field(() => AlertKind)
  @Column({ type: 'enum', enum: AlertKind, enumName: 'alert_kind' })
  kind!: AlertKind;

  @Field(() => AlertSeverity)
  @Column({ type: 'enum', enum: AlertSeverity, enumName: 'alert_severity' })
  severity!: AlertSeverity;

  @Field(() => AlertStatus)
  @Column({ type: 'enum', enum: AlertStatus, enumName: 'alert_status', default: AlertStatus.FIRING })
  status!: AlertStatus;

  @Field(() => Float, { description: "The rule's threshold when the alert fired" })
  @Column({ type: 'double precision' })
  threshold!: number;

  @Field(() => Int)
  @Column({ name: 'window_seconds', type: 'integer' })
  windowSeconds!: number;

  @Field(() => Float, { nullable: true, description: 'The measured value that crossed the threshold' })
  @Column({ type: 'double precision', nullable: true })
  value!: number | null;

  @Field()
  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;

  @Field()
  @Column({ name: 'fired_at', type: 'timestamptz' })
  firedAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'acknowledged_by', type: 'varchar', length: 200, nullable: true })
  acknowledgedBy!: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it resolved' })
  @Column({ type: 'text', nullable: true })
  resolution!: string | null;

  @Field(() => RetrainStatus, { nullable: true, description: 'DRIFT alerts of a model with a retrain policy' })
  @Column({ name: 'retrain_status', type: 'varchar', length: 16, nullable: true })
  retrainStatus!: RetrainStatus | null;

  @Field(() => ID, { nullable: true, description: 'The run triggerRetraining started' })
  @Column({ name: 'retrain_run_id', type: 'varchar', length: 64, nullable: true })
  retrainRunId!: string | null;

  @Field(() => String, { nullable: true, description: 'Why retraining was not requested (yet)' })
  @Column({ name: 'retrain_error', type: 'text', nullable: true })
  retrainError!: string | null;

  @Column({ name: 'retrain_attempts', type: 'integer', default: 0 })
  retrainAttempts!: number;

  @Column({ name: 'retrain_requested_at', type: 'timestamptz', nullable: true })
  retrainRequestedAt!: Date | null;
}
