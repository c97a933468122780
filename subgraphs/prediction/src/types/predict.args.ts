import { GraphQLJSONObject } from 'graphql-scalars';
import { ArgsType, Field, Int } from 'type-graphql';

@ArgsType()
export class RoutingArgs {
  @Field({ description: 'Model name' })
  model!: string;

  @Field(() => Int, { nullable: true, description: 'Serve this version instead of the production alias' })
  version?: number;

  @Field(() => String, { nullable: true, description: 'Serve the version this alias points to (e.g. challenger)' })
  alias?: string;

  @Field(() => String, { nullable: true, description: 'Keeps a caller on the same side of a canary split (e.g. a user id)' })
  requestKey?: string;
}

@ArgsType()
export class PredictArgs extends RoutingArgs {
  @Field(() => GraphQLJSONObject, { description: 'Feature name → value: numbers for NUMERIC features, strings for CATEGORICAL ones' })
  features!: Record<string, unknown>;
}

@ArgsType()
export class PredictBatchArgs extends RoutingArgs {
  @Field(() => [GraphQLJSONObject], { description: 'One object of features per row (at most PREDICT_BATCH_MAX_ROWS)' })
  rows!: Record<string, unknown>[];
}
