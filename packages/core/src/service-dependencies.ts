import type { Config } from './config';
import type { SubgraphName } from './subgraph-schema';

/**
 * Which Modelplane service calls which: the one source for the code (a service reaches another
 * only through `dependencyUrls`, which hands out the URLs listed here and no others) and for the
 * deployments (tests/deploy derives the allowed Kubernetes NetworkPolicy edges from it).
 */

/** Every long-running process kind: the gateway, the four subgraphs and the training worker. */
export const SERVICES = ['gateway', 'registry', 'prediction', 'experiments', 'monitoring', 'worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The subgraphs each service calls (GraphQL, websockets and their REST routes under /artifacts, /streams, /internal). */
export const SERVICE_DEPENDENCIES = {
  // Query plans and subscriptions to every subgraph; API-key verification at the registry's /internal/keys.
  gateway: ['registry', 'prediction', 'experiments', 'monitoring'],
  registry: [],
  // Model metadata and serving aliases (GraphQL), ONNX artifacts (/artifacts/<sha256>).
  prediction: ['registry'],
  // Model lookups, version registration and artifacts at the registry; labelled predictions
  // (/streams/*) at prediction when it trains in-process (TRAINING_WORKER=in-process).
  experiments: ['registry', 'prediction'],
  // Model descriptions at the registry, the prediction log and feedback streams (/streams/*),
  // reference profiles and retraining at experiments.
  monitoring: ['registry', 'prediction', 'experiments'],
  // The experiments runtime without its GraphQL API: the same calls as in-process training.
  worker: ['registry', 'prediction'],
} as const satisfies Record<ServiceName, readonly SubgraphName[]>;

/** The configuration variable that holds each subgraph's URL. */
export const SUBGRAPH_URL_VARIABLES = {
  registry: 'REGISTRY_URL',
  prediction: 'PREDICTION_URL',
  experiments: 'EXPERIMENTS_URL',
  monitoring: 'MONITORING_URL',
} as const satisfies Record<SubgraphName, keyof Config>;

/**
 * The subgraphs every one of `S` calls (for a union of services, only those all of them call).
 * Function-parameter inference turns the union of per-service lists into their intersection.
 */
export type DependencyOf<S extends ServiceName> = (
  S extends ServiceName ? (dependency: (typeof SERVICE_DEPENDENCIES)[S][number]) => void : never
) extends (dependency: infer D) => void
  ? D
  : never;

export type DependencyUrls<S extends ServiceName> = { readonly [D in DependencyOf<S> & SubgraphName]: string };

/** The services that call `subgraph`, in SERVICES order. */
export function callersOf(subgraph: SubgraphName): ServiceName[] {
  return SERVICES.filter((service) => (SERVICE_DEPENDENCIES[service] as readonly string[]).includes(subgraph));
}

/**
 * The URLs of the subgraphs `service` calls, from their *_URL variables: the only way service
 * code gets another service's URL (ESLint refuses `config.REGISTRY_URL` and friends elsewhere).
 * A call to a service the table does not list does not type-check, and has no URL at run time.
 */
export function dependencyUrls<S extends ServiceName>(config: Config, service: S): DependencyUrls<S> {
  const urls: Record<string, string> = {};
  for (const dependency of SERVICE_DEPENDENCIES[service] as readonly SubgraphName[]) {
    urls[dependency] = config[SUBGRAPH_URL_VARIABLES[dependency]];
  }
  return Object.freeze(urls) as DependencyUrls<S>;
}
