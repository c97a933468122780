import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export enum ModelEventKind {
  VERSION_CREATED = 'VERSION_CREATED',
  ALIAS_SET = 'ALIAS_SET',
  ALIAS_DELETED = 'ALIAS_DELETED',
  PROMOTED = 'PROMOTED',
  ROLLED_BACK = 'ROLLED_BACK',
  ARCHIVED = 'ARCHIVED',
  INTEGRITY_ERROR = 'INTEGRITY_ERROR',
}
registerEnumType(ModelEventKind, { name: 'ModelEventKind' });

@ObjectType({ description: 'An append-only record of a change to what a model serves: who, when, from, to, why' })
@Entity({ name: 'model_event' })
export class ModelEvent {
  @Field(() => ID)
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field(() => ModelEventKind)
  @Column({ type: 'varchar', length: 32 })
  kind!: ModelEventKind;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 64, nullable: true })
  alias!: string | null;

  @Field(() => Int, { nullable: true })
  @Column({ name: 'from_version', type: 'integer', nullable: true })
  fromVersion!: number | null;

  @Field(() => Int, { nullable: true })
  @Column({ name: 'to_version', type: 'integer', nullable: true })
  toVersion!: number | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Field()
  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  @Column({ type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
