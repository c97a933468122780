import { IsOptional, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateModelVersionInput {
  @Field()
  model!: string;

  @Field({ description: 'The ONNX model, base64-encoded (limit: MAX_ARTIFACT_BYTES decoded)' })
  onnxBase64!: string;

  @Field(() => ID, { nullable: true, description: 'Training run that produced it, for lineage' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'runId must be 1-64 characters from A-Z a-z 0-9 . _ : -' })
  runId?: string;

  @Field({ nullable: true, description: 'Digest of the training dataset, for lineage' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9:._-]{1,128}$/, { message: 'datasetDigest must be 1-128 characters from A-Z a-z 0-9 : . _ -' })
  datasetDigest?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(10000)
  description?: string;
}
