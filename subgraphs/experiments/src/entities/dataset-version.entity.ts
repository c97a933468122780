import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** How a dataset version is divided into training and held-out rows. */
export type SplitSpec =
  | { kind: 'chronological'; trainBefore: string; testFrom: string; appendedTrainRows?: number }
  | { kind: 'fraction'; testFraction: number; seed: number; appendedTrainRows?: number };

/** One stored row: features in feature-name order, label 0/1 (index into labels), the row's date. */
export interface StoredRow {
  date: string;
  features: number[];
  label: 0 | 1;
}

@ObjectType({ description: 'An immutable version of a training dataset, identified by the sha256 of its content' })
@Entity({ name: 'dataset_version' })
export class DatasetVersion {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field()
  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Field(() => Int)
  @Column({ type: 'integer' })
  version!: number;

  @Field({ description: 'sha256 (hex) of the canonical JSON of feature names and rows' })
  @Column({ type: 'char', length: 64 })
  digest!: string;

  @Field(() => [String], { description: 'Feature columns, in the order of every row' })
  @Column({ name: 'feature_names', type: 'jsonb' })
  featureNames!: string[];

  @Field(() => [String], { nullable: true, description: 'Class labels: label 0 is the first, 1 the second' })
  @Column({ type: 'jsonb', nullable: true })
  labels!: string[] | null;

  @Field(() => Int, { description: 'Number of rows' })
  @Column({ name: 'row_count', type: 'integer' })
  rows!: number;

  @Field(() => String, { nullable: true, description: 'Where the rows came from' })
  @Column({ type: 'text', nullable: true })
  source!: string | null;

  @Column({ type: 'jsonb' })
  split!: SplitSpec;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @Column({ name: 'rows', type: 'jsonb', select: false })
  content?: StoredRow[];

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
