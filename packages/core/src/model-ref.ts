import { Directive, Field, Int, ObjectType } from 'type-graphql';
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

export interface ModelVersionRef {
  modelName: string;
  version: number;
}

let modelVersionRefType: (new () => ModelVersionRef) | undefined;

/** The registry's `ModelVersion`, referenced by (model name, version number). */
export function ModelVersionRefType(): new () => ModelVersionRef {
  if (!modelVersionRefType) {
    @ObjectType('ModelVersion')
    @Directive('@key(fields: "modelName version", resolvable: false)')
    class ModelVersion implements ModelVersionRef {
      @Field()
      modelName!: string;

      @Field(() => Int)
      version!: number;
    }
    modelVersionRefType = ModelVersion;
  }
  return modelVersionRefType;
}

/** Any model name resolves to a stub; the registry decides whether the model exists. */
export const modelRefReferences: ReferenceResolvers = {
  Model: { __resolveReference: (ref: ModelRef): ModelRef => ({ name: ref.name }) },
};
