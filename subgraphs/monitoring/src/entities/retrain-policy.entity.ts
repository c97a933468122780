import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({ description: 'Whether a firing DRIFT alert retrains the model, and how often at most' })
@Entity({ name: 'retrain_policy' })
export class RetrainPolicy {
  @Field({ description: 'Model name' })
  @PrimaryColumn({ name: 'model', type: 'varchar', length: 128 })
  model!: string;

  @Field()
  @Column({ name: 'on_drift', type: 'boolean' })
  onDrift!: boolean;

  @Field(() => Int, { description: 'Least time between two drift-triggered retrainings' })
  @Column({ name: 'min_interval_seconds', type: 'integer' })
  minIntervalSeconds!: number;

  @Field(() => Date, { nullable: true, description: 'When a drift alert last claimed a retraining' })
  @Column({ name: 'last_triggered_at', type: 'timestamptz', nullable: true })
  lastTriggeredAt!: Date | null;

  @Field()
  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy!: string;

  @Field()
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
