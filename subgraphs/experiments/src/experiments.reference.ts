import { modelRefReferences, type ReferenceResolvers } from '@modelplane/core';

/**
 * Entities this subgraph extends resolve to their keys: the owning subgraphs decide whether
 * they exist. A ModelVersion keeps the `runId` the gateway fetched for `@requires`.
 */
export const experimentsReferences: ReferenceResolvers = {
  ...modelRefReferences,
  ModelVersion: {
    __resolveReference: (ref: { id: string; runId?: string | null }) => ({ id: ref.id, runId: ref.runId }),
  },
  Alert: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
};
