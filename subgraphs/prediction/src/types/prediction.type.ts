import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PredictionRoute } from '../serving/prediction-route';
import { ModelRef, ModelVersionRef } from './federated.type';

registerEnumType(PredictionRoute, {
  name: 'PredictionRoute',
  valuesConfig: {
    PRODUCTION: { description: 'The production alias (the default)' },
    CANARY: { description: 'The canary version of a traffic split' },
    SHADOW: { description: 'A shadow copy: logged, never returned' },
    ALIAS: { description: 'An alias named in the request' },
    EXPLICIT: { description: 'A version number named in the request' },
  },
});

// simpleResolvers: fields are read as plain properties (no per-field type-graphql resolver and
// middleware chain); these types have no field-level roles or resolvers that would need them.
@ObjectType({ simpleResolvers: true })
export class ClassProbability {
  @Field()
  label!: string;

  @Field(() => Float)
  probability!: number;
}

@ObjectType({ description: 'One prediction, as served and logged', simpleResolvers: true })
export class Prediction {
  @Field(() => ID, { description: 'Pass to recordFeedback once the truth is known' })
  id!: string;

  @Field(() => ModelRef)
  model!: ModelRef;

  @Field(() => ModelVersionRef, { description: 'The version that answered' })
  modelVersion!: ModelVersionRef;

  @Field(() => PredictionRoute)
  route!: PredictionRoute;

  @Field(() => String, { nullable: true, description: 'Predicted class label; null for regression' })
  label!: string | null;

  @Field(() => Float, {
    description: 'Binary: probability of the positive class; multiclass: of the predicted class; regression: the predicted value',
  })
  score!: number;

  @Field(() => [ClassProbability], { nullable: true })
  probabilities!: ClassProbability[] | null;

  @Field(() => Float, { nullable: true, description: 'Regression only: the predicted value' })
  value!: number | null;

  @Field(() => Float, { description: 'Time spent in the prediction service, including validation and inference' })
  latencyMs!: number;

  @Field(() => Int, { description: 'Version number that answered (same as modelVersion.version)' })
  version!: number;
}
