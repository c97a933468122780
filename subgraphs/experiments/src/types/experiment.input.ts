import { IsOptional, Matches, MaxLength } from 'class-validator';
import { Field, Float, InputType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

@InputType({ description: "Changes to a model's experiment; omitted fields stay as they are" })
export class UpdateExperimentInput {
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(10000)
  description?: string;

  @Field({ nullable: true })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._+-]{1,128}$/, { message: 'dataset must be a dataset name' })
  dataset?: string;

  @Field({ nullable: true, description: 'logistic-regression or gradient-boosting' })
  @IsOptional()
  trainer?: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Default training parameters (as triggerRetraining params)' })
  @IsOptional()
  defaultParams?: Record<string, unknown>;

  @Field({ nullable: true })
  @IsOptional()
  autoPromote?: boolean;

  @Field(() => Float, { nullable: true })
  @IsOptional()
  minImprovement?: number;
}
