import { Field, Float, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@ObjectType({ description: "A model's experiment: its runs, default training setup and promotion policy" })
@Entity({ name: 'experiment' })
export class Experiment {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field({ description: 'Name of the model (one experiment per model)' })
  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true, description: 'Dataset retraining uses by default' })
  @Column({ name: 'dataset_name', type: 'varchar', length: 128, nullable: true })
  datasetName!: string | null;

  @Field({ description: 'Built-in trainer retraining uses by default: logistic-regression or gradient-boosting' })
  @Column({ type: 'varchar', length: 32, default: 'logistic-regression' })
  trainer!: string;

  @Column({ name: 'default_params', type: 'jsonb', default: {} })
  defaultParams!: Record<string, unknown>;

  @Field({ description: 'Promote a retrained version automatically when it passes the gate' })
  @Column({ name: 'auto_promote', type: 'boolean', default: true })
  autoPromote!: boolean;

  @Field(() => Float, { description: 'Test ROC AUC gain over production a version needs to be promoted' })
  @Column({ name: 'min_improvement', type: 'double precision' })
  minImprovement!: number;

  @Field({ description: 'The metric the promotion gate compares' })
  primaryMetric(): string {
    return 'roc_auc';
  }

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
