import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A movable name for one version of a model (production, champion, challenger…), like MLflow's. */
@ObjectType()
@Entity({ name: 'model_alias' })
export class ModelAlias {
  @PrimaryColumn({ name: 'model', type: 'varchar', length: 128 })
  modelName!: string;

  @Field()
  @PrimaryColumn({ type: 'varchar', length: 64 })
  alias!: string;

  /** The version number; the GraphQL field `version` resolves the ModelVersion. */
  @Column({ name: 'version', type: 'integer' })
  versionNumber!: number;

  @Field()
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
