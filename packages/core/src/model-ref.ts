import { Directive, Field, ObjectType } from 'type-graphql';
import type { ReferenceResolvers } from './federation';

/** The registry's `Model` as the other subgraphs see it: its key, to hang their own fields on. */
export interface ModelRef {
  name: string;
}

let modelRefType: (new () => ModelRef) | undefined;

/**
 * The `Model` stub type for subgraphs that extend it. Defined on first use so the registry,
 * which owns the full `Model`, never has a second type of that name in its process.
 */
export function ModelRefType(): new () => ModelRef {
  if (!modelRefType) {
    @ObjectType('Model')
    @Directive('@key(fields: "name")')
    class Model implements ModelRef {
      @Field()
      name!: string;
    }
    modelRefType = Model;
  }
  return modelRefType;
}

/** Any model name resolves to a stub; the registry decides whether the model exists. */
export const modelRefReferences: ReferenceResolvers = {
  Model: { __resolveReference: (ref: ModelRef): ModelRef => ({ name: ref.name }) },
};
