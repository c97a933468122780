import { Field, Int, ObjectType } from 'type-graphql';

/**
 * The fields every windowed statistic (accuracy, latency) starts with, inherited by their types.
 * Registered for type-graphql's inheritance; no field returns it, so the schema has no such type.
 */
@ObjectType()
export abstract class WindowStatsFields {
  @Field()
  model!: string;

  @Field(() => Int, { nullable: true, description: 'null: every version, shadow copies excluded' })
  version!: number | null;

  @Field(() => Int)
  windowSeconds!: number;
}
