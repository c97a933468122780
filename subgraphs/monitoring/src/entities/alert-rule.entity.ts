import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum AlertKind {
  DRIFT = 'DRIFT',
  LATENCY = 'LATENCY',
  ACCURACY = 'ACCURACY',
  ERROR_RATE = 'ERROR_RATE',
}
registerEnumType(AlertKind, { name: 'AlertKind' });

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

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
