/* eslint-disable @typescript-eslint/no-require-imports */
import type { SubgraphDefinition, SubgraphName } from '@modelplane/core';

/**
 * Subgraphs are loaded on demand, one per process: type-graphql keeps decorator metadata in a
 * process-wide store, and each subgraph that extends `Model` declares a type of that name, so
 * two subgraphs must never be loaded side by side.
 */
const loaders: Record<SubgraphName, () => SubgraphDefinition> = {
  registry: () => (require('@modelplane/registry') as typeof import('@modelplane/registry')).registrySubgraph,
  prediction: () => (require('@modelplane/prediction') as typeof import('@modelplane/prediction')).predictionSubgraph,
  experiments: () => (require('@modelplane/experiments') as typeof import('@modelplane/experiments')).experimentsSubgraph,
  monitoring: () => (require('@modelplane/monitoring') as typeof import('@modelplane/monitoring')).monitoringSubgraph,
};

export const subgraphNames = Object.keys(loaders) as SubgraphName[];

export function isSubgraphName(name: string): name is SubgraphName {
  return name in loaders;
}

export function loadSubgraph(name: SubgraphName): SubgraphDefinition {
  return loaders[name]();
}
