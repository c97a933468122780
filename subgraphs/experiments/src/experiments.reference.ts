import type { ReferenceResolvers } from '@modelplane/core';
import type { AlertRef, ModelRef, ModelVersionRef } from './types/federated.type';

/**
 * Entities this subgraph extends resolve to their keys: the owning subgraphs decide whether
 * they exist. A ModelVersion keeps the `runId` the gateway fetched for `@requires`.
 */
export function experimentsReferences(): ReferenceResolvers {
  return {
    Model: { __resolveReference: (ref: ModelRef): ModelRef => ({ name: ref.name }) },
    ModelVersion: {
      __resolveReference: (ref: ModelVersionRef): ModelVersionRef => ({ id: ref.id, runId: ref.runId }),
    },
    Alert: { __resolveReference: (ref: AlertRef): AlertRef => ({ id: ref.id }) },
  };
}
