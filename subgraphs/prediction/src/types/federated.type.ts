import { Directive, Field, Int, ObjectType } from 'type-graphql';

/** The registry's `Model`, to hang `trafficSplit` on; any name resolves (the registry decides whether it exists). */
@ObjectType('Model')
@Directive('@key(fields: "name")')
export class ModelRef {
  @Field()
  name!: string;
}

/** The registry's `ModelVersion`, referenced by (model name, version number) from a prediction. */
@ObjectType('ModelVersion')
@Directive('@key(fields: "modelName version", resolvable: false)')
export class ModelVersionRef {
  @Field()
  modelName!: string;

  @Field(() => Int)
  version!: number;
}
