import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { FeatureType, ModelTask } from '../entities/model.entity';

@InputType()
export class FeatureInput {
  @Field()
  @Matches(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'feature name must be 1-128 characters from A-Z a-z 0-9 . _ -' })
  name!: string;

  @Field(() => FeatureType)
  type!: FeatureType;

  @Field(() => [String], {
    nullable: true,
    description: 'Required for CATEGORICAL: the known values, sent to the model as their 0-based index (ordinal encoding)',
  })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(100000)
  @Length(1, 200, { each: true })
  categories?: string[];
}

@InputType()
export class RegisterModelInput {
  // The name itself is checked by assertModelName so every subgraph reports it the same way.
  @Field()
  name!: string;

  @Field(() => ModelTask)
  task!: ModelTask;

  @Field(() => [FeatureInput])
  @ArrayMinSize(1, { message: 'a model needs at least one feature' })
  @ArrayMaxSize(10000)
  @ValidateNested({ each: true })
  features!: FeatureInput[];

  @Field(() => [String], { nullable: true, description: "Class labels in the order of the model's probability output" })
  @IsOptional()
  @ArrayMinSize(2, { message: 'a classifier needs at least two labels' })
  @ArrayMaxSize(10000)
  @Length(1, 200, { each: true })
  labels?: string[];

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(10000)
  description?: string;
}
