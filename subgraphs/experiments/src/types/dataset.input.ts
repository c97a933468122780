import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, Float, InputType, Int } from 'type-graphql';

@InputType({ description: 'One labelled row: feature values in the order of `features`, label 0 or 1 (index into labels)' })
export class DatasetRowInput {
  @Field(() => [Float])
  values!: number[];

  @Field(() => Int)
  label!: number;

  @Field({ nullable: true, description: 'YYYY-MM-DD; needed for a chronological split' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be YYYY-MM-DD' })
  date?: string;
}

@InputType({ description: 'A dataset version; registering identical content under the same name returns the existing version' })
export class RegisterDatasetInput {
  @Field()
  @Matches(/^[A-Za-z0-9._+-]{1,128}$/, { message: 'name must be 1-128 characters from A-Z a-z 0-9 . _ + -' })
  name!: string;

  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayMaxSize(10000)
  @Length(1, 128, { each: true })
  features!: string[];

  @Field(() => [String], { nullable: true, description: 'The two class labels (label 0, label 1)' })
  @IsOptional()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  labels?: string[];

  @Field(() => [DatasetRowInput])
  @ArrayMinSize(2)
  @ArrayMaxSize(1_000_000)
  rows!: DatasetRowInput[];

  @Field({ nullable: true, description: 'Chronological split: rows dated on or after this day are held out' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'testFrom must be YYYY-MM-DD' })
  testFrom?: string;

  @Field(() => Float, { nullable: true, description: 'Otherwise a seeded random share of rows is held out (default 0.2)' })
  @IsOptional()
  testFraction?: number;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(2000)
  source?: string;

  @Field({ nullable: true, description: "Make this dataset the model's default for retraining" })
  @IsOptional()
  model?: string;
}
