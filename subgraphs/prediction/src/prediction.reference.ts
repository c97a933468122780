import type { ReferenceResolvers } from '@modelplane/core';
import type { ModelRef } from './types/federated.type';

/** `Model` references resolve to stubs: the registry decides whether a model exists. */
export function predictionReferences(): ReferenceResolvers {
  return {
    Model: { __resolveReference: (ref: ModelRef): ModelRef => ({ name: ref.name }) },
  };
}
