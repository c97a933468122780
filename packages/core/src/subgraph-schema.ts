import { DateTimeResolver } from 'graphql-scalars';
import { getMetadataStorage, type AuthChecker, type NonEmptyArray } from 'type-graphql';
import type { Express } from 'express';
import type { DataSource, MixedList } from 'typeorm';
import { withSettings, type Config } from './config';
import type { RequestContext } from './context';
import { ForbiddenError, UnauthenticatedError } from './errors';
import { buildFederatedSchema, type FederatedSchema, type ReferenceResolvers } from './federation';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { PgPubSub } from './pubsub';
import { hasRole, isAuthenticated, isRole, type Role } from './roles';
import type { SettingsOf, SettingsSpec } from './settings';

/**
 * What a subgraph is (its definition, services and runtime) and how its schema is built from
 * type-graphql resolvers. Needs no database: `compose` prints SDL with it. Start-up is in
 * subgraph.ts, websockets in subgraph-websockets.ts.
 */
export type SubgraphName = 'registry' | 'prediction' | 'experiments' | 'monitoring';

/** What a subgraph's resolvers and background tasks receive (constructor injection). */
export interface SubgraphServices<C extends Config = Config> {
  name: SubgraphName;
  /** The platform configuration, with the subgraph's own settings when it declares them (SubgraphDefinition.settings). */
  config: C;
  /** The database `db` is connected to (pg-boss and other clients open their own connections). */
  databaseUrl: string;
  db: DataSource;
  pubSub: PgPubSub;
  logger: Logger;
  metrics: Metrics;
}

/**
 * A subgraph's long-lived parts (stores, caches, clients of other subgraphs, background work),
 * built once per process by its definition's `runtime` factory and handed to every resolver,
 * reference resolver and route. The factory only wires objects together: nothing may touch the
 * database, pub/sub or the network before `start()`.
 */
export interface SubgraphRuntime {
  /** Background work (listeners, consumers, schedulers); runs before the HTTP server listens. */
  start(): Promise<void>;
  /** Stops the background work, after HTTP has drained and before pub/sub and the database close. */
  stop(): Promise<void>;
}

/**
 * Everything a subgraph adds; the rest (HTTP, DB, metrics, shutdown) is startSubgraph's.
 * Written as methods so a `SubgraphDefinition<RegistryRuntime>` is a `SubgraphDefinition`.
 */
export interface SubgraphDefinition<R extends SubgraphRuntime = SubgraphRuntime> {
  name: SubgraphName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** Resolver classes: type-graphql builds each once, with the runtime as its only constructor argument. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  /** The subgraph's own settings (`<name>.settings.ts`), validated before anything starts. */
  settings?: SettingsSpec;
  /** Builds the runtime; startSubgraph calls it once, before the schema. */
  runtime(services: SubgraphServices): R;
  /** `__resolveReference` for each entity this subgraph can resolve by key. */
  references?(runtime: R): ReferenceResolvers;
  /**
   * Extra HTTP routes on the subgraph's server, for other services only: mount them under
   * /artifacts, /streams or /internal, where every request needs a signed caller identity.
   */
  routes?(app: Express, runtime: R): void;
}

/** The services with the subgraph's own settings in `config` (read from the same environment, validated). */
export function withSubgraphSettings<S extends SettingsSpec>(
  services: SubgraphServices,
  spec: S,
): SubgraphServices<Config & SettingsOf<S>> {
  return { ...services, config: withSettings(services.config, spec) };
}

export function subgraphPort(config: Config, name: SubgraphName): number {
  const ports: Record<SubgraphName, number> = {
    registry: config.REGISTRY_PORT,
    prediction: config.PREDICTION_PORT,
    experiments: config.EXPERIMENTS_PORT,
    monitoring: config.MONITORING_PORT,
  };
  return ports[name];
}

/**
 * Resolver classes are built once per process with the runtime as their only constructor
 * argument; type-graphql asks this container for them. Without a runtime (printing SDL) no
 * resolver may be built.
 */
function runtimeContainer(runtime: SubgraphRuntime | undefined) {
  const instances = new Map<unknown, unknown>();
  return {
    get(someClass: new (runtime: SubgraphRuntime) => unknown) {
      if (!runtime) throw new Error(`${someClass.name}: resolvers need the subgraph runtime, which is not built while printing SDL`);
      let instance = instances.get(someClass);
      if (!instance) {
        instance = new someClass(runtime);
        instances.set(someClass, instance);
      }
      return instance;
    },
  };
}

/**
 * type-graphql's check for `@Authorized(role)`, run before the resolver: no verified identity is
 * UNAUTHENTICATED, a weaker role than required FORBIDDEN. Fields without @Authorized need only
 * the signed identity every request already carries (viewer at least, checked at the gateway).
 */
export const roleAuthChecker: AuthChecker<RequestContext, Role> = ({ context }, roles) => {
  if (!isAuthenticated(context?.identity)) throw new UnauthenticatedError();
  if (roles.length && !roles.some((role) => hasRole(context.identity, role))) {
    throw new ForbiddenError(`this needs the ${roles.join(' or ')} role`, { requiredRole: roles[0] });
  }
  return true;
};

/** The subgraph schema and, per root field guarded with @Authorized, the role it needs (`Mutation.registerModel` → `admin`). */
export interface BuiltSubgraph extends FederatedSchema {
  roles: Record<string, Role>;
}

/**
 * Builds the subgraph schema on its runtime. Without one it needs no database: `compose` prints
 * SDL that way (reference resolvers and resolvers are then never called).
 */
export async function buildSubgraph<R extends SubgraphRuntime>(
  definition: SubgraphDefinition<R>,
  services: SubgraphServices,
  runtime?: R,
): Promise<BuiltSubgraph> {
  const built = await buildFederatedSchema(
    {
      resolvers: definition.resolvers,
      orphanedTypes: definition.orphanedTypes,
      container: runtimeContainer(runtime),
      pubSub: services.pubSub,
      validate: { forbidUnknownValues: false },
      authChecker: roleAuthChecker,
      // Dates travel as ISO-8601 `DateTime` (graphql-scalars), the name clients expect.
      scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    },
    runtime && definition.references?.(runtime),
  );
  return { ...built, roles: rootFieldRoles(definition) };
}

/**
 * The roles of root fields, from type-graphql's metadata (filled in by buildSchema). The gateway
 * reads them from schema/roles.json to refuse an operation as a whole before any part of it runs.
 */
function rootFieldRoles(definition: SubgraphDefinition): Record<string, Role> {
  const storage = getMetadataStorage();
  const ours = new Set<unknown>(definition.resolvers);
  const roles: Record<string, Role> = {};
  const collect = (root: string, fields: ReadonlyArray<{ target: unknown; schemaName: string; roles?: unknown[] }>) => {
    for (const field of fields) {
      if (!ours.has(field.target) || !field.roles?.length) continue;
      const role = field.roles[0];
      if (field.roles.length !== 1 || !isRole(role)) {
        throw new Error(`${root}.${field.schemaName}: @Authorized takes exactly one role (viewer, operator or admin)`);
      }
      roles[`${root}.${field.schemaName}`] = role;
    }
  };
  collect('Query', storage.queries);
  collect('Mutation', storage.mutations);
  collect('Subscription', storage.subscriptions);
  for (const field of storage.fieldResolvers) {
    if (ours.has(field.target) && field.roles?.length) {
      throw new Error(
        `@Authorized on the field resolver ${field.schemaName}: only root fields may need a role (the gateway checks root fields)`,
      );
    }
  }
  return Object.fromEntries(Object.entries(roles).sort(([a], [b]) => (a < b ? -1 : 1)));
}
