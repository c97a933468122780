import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export enum ModelTask {
  BINARY_CLASSIFICATION = 'BINARY_CLASSIFICATION',
  MULTICLASS_CLASSIFICATION = 'MULTICLASS_CLASSIFICATION',
  REGRESSION = 'REGRESSION',
}
registerEnumType(ModelTask, { name: 'ModelTask', description: 'What the model predicts' });

export enum FeatureType {
  NUMERIC = 'NUMERIC',
  CATEGORICAL = 'CATEGORICAL',
}
registerEnumType(FeatureType, { name: 'FeatureType' });

@ObjectType({ description: 'One input of the model, in the order the model expects it' })
export class Feature {
  @Field()
  name!: string;

  @Field(() => FeatureType)
  type!: FeatureType;

  @Field(() => [String], {
    nullable: true,
    description: 'CATEGORICAL only: the known values; the model receives a value as its 0-based index in this list',
  })
  categories?: string[] | null;
}

@ObjectType({ description: 'A registered model: its name, task and input schema' })
@Directive('@key(fields: "name")')
@Entity({ name: 'model' })
export class Model {
  @Field({ description: 'Unique name: 1-128 characters from A-Z a-z 0-9 . _ -' })
  @PrimaryColumn({ type: 'varchar', length: 128 })
  name!: string;

  @Field(() => ModelTask)
  @Column({ type: 'enum', enum: ModelTask, enumName: 'model_task' })
  task!: ModelTask;

  @Field(() => [Feature])
  @Column({ type: 'jsonb' })
  features!: Feature[];

  @Field(() => [String], { nullable: true, description: "Class labels in the order of the model's probability output" })
  @Column({ type: 'jsonb', nullable: true })
  labels!: string[] | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field()
  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field()
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
