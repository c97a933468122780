import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum AlertKind {
  DRIFT = 'DRIFT',
  LATENCY = 'LATENCY',
  ACCURACY = 'ACCURACY',
  ERROR_RATE = 'ERROR_RATE',
}
registerEnumType(AlertKind, {
  name: 'AlertKind',
  valuesConfig: {
    DRIFT: { description: 'Share of drifted features of the serving version is at least the threshold' },
    LATENCY: { description: 'p95 latency in ms is above the threshold' },
    ACCURACY: { description: 'Accuracy on labelled predictions is below the threshold' },
    ERROR_RATE: { description: 'Share of failed predictions is above the threshold' },
  },
});

export enum AlertSeverity {
  WARNING = 'WARNING',
  CRITICAL = 'CRITICAL',
}
registerEnumType(AlertSeverity, { name: 'AlertSeverity' });

@ObjectType({ description: 'A condition on a model that raises an alert when it holds' })
@Entity({ name: 'alert_rule' })
export class AlertRule {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field(() => AlertKind)
  @Column({ type: 'enum', enum: AlertKind, enumName: 'alert_kind' })
  kind!: AlertKind;

  @Field(() => Float, {
    description: 'DRIFT: share of drifted features; LATENCY: p95 in ms; ACCURACY: lowest accuracy; ERROR_RATE: highest error share',
  })
  @Column({ type: 'double precision' })
  threshold!: number;

  @Field(() => Int)
  @Column({ name: 'window_seconds', type: 'integer', default: 3600 })
  windowSeconds!: number;

  @Field(() => AlertSeverity)
  @Column({ type: 'enum', enum: AlertSeverity, enumName: 'alert_severity', default: AlertSeverity.WARNING })
  severity!: AlertSeverity;

  @Field(() => Int, { description: 'How long the condition must hold before the alert fires (0: at the first breach)' })
  @Column({ name: 'for_seconds', type: 'integer', default: 0 })
  forSeconds!: number;

  @Field({ description: 'Disabled rules are not evaluated; their open alert stays as it is' })
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Field(() => Date, { nullable: true, description: 'Since when the condition has held without firing yet (the `for` wait)' })
  @Column({ name: 'pending_since', type: 'timestamptz', nullable: true })
  pendingSince!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'last_evaluated_at', type: 'timestamptz', nullable: true })
  lastEvaluatedAt!: Date | null;

  @Field(() => Float, { nullable: true, description: 'The value the last evaluation measured (null: no data)' })
  @Column({ name: 'last_value', type: 'double precision', nullable: true })
  lastValue!: number | null;

  @Field()
  @Column({ name: 'created_by', type: 'varchar', length: 200, default: 'anonymous' })
  createdBy!: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field()
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
