import { Directive, Field, ObjectType } from 'type-graphql';

/** The registry's `Model`, to hang `alertRules`, `alerts`, `health`… on; any name resolves (the registry decides whether it exists). */
@ObjectType('Model')
@Directive('@key(fields: "name")')
export class ModelRef {
  @Field()
  name!: string;
}
