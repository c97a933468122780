import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({ description: 'The ground truth for one prediction, once known' })
@Entity({ name: 'feedback' })
export class Feedback {
  @Field(() => ID)
  @PrimaryColumn({ name: 'prediction_id', type: 'uuid' })
  predictionId!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field({ description: 'The actual label (classification) or value (regression)' })
  @Column({ type: 'text' })
  actual!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
