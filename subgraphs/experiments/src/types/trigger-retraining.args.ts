import { IsOptional, Matches, MaxLength } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, ID } from 'type-graphql';
import { RunTrigger } from '../entities/run.entity';

@ArgsType()
export class TriggerRetrainingArgs {
  @Field()
  model!: string;

  @Field(() => String, { nullable: true, description: 'Why (recorded on the run)' })
  @IsOptional()
  @MaxLength(10000)
  reason?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'Training parameters, e.g. { trainer: "gradient-boosting", rounds: 50, seed: 7, search: { strategy: "grid", space: { maxDepth: [2, 3] }, folds: 5 }, dataset: "seattle-weather", includeFeedback: true }',
  })
  @IsOptional()
  params?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'The same key for the same model returns the run the first call created' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:/-]{1,200}$/, { message: 'idempotencyKey must be 1-200 characters from A-Z a-z 0-9 . _ : / -' })
  idempotencyKey?: string | null;

  @Field(() => RunTrigger, { defaultValue: RunTrigger.MANUAL })
  trigger!: RunTrigger;

  @Field(() => ID, { nullable: true, description: 'The monitoring alert behind a DRIFT retraining (lineage)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'alertId must be 1-64 characters from A-Z a-z 0-9 . _ : -' })
  alertId?: string | null;
}
