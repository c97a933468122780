import { IsOptional, Length, MaxLength } from 'class-validator';
import { Field, Float, ID, InputType, Int } from 'type-graphql';

@InputType()
export class ParamInput {
  @Field()
  @Length(1, 250)
  key!: string;

  @Field()
  @MaxLength(6000)
  value!: string;
}

@InputType()
export class TagInput {
  @Field()
  @Length(1, 250)
  key!: string;

  @Field()
  @MaxLength(6000)
  value!: string;
}

@InputType({ description: 'One metric value; step defaults to 0 and timestamp to now' })
export class MetricInput {
  @Field()
  @Length(1, 250)
  key!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  step?: number;

  @Field({ nullable: true })
  @IsOptional()
  timestamp?: Date;
}

@InputType({ description: 'A run tracked for a trainer outside the platform (MLflow’s create_run)' })
export class StartRunInput {
  @Field()
  model!: string;

  @Field(() => [ParamInput], { nullable: true })
  params?: ParamInput[];

  @Field(() => [TagInput], { nullable: true })
  tags?: TagInput[];

  @Field(() => Int, { nullable: true })
  @IsOptional()
  seed?: number;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(64)
  codeVersion?: string;

  @Field(() => ID, { nullable: true, description: 'Dataset version the run trains on' })
  @IsOptional()
  datasetVersionId?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(10000)
  reason?: string;
}
