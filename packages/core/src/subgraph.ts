import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { GraphQLError, subscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { useServer } from 'graphql-ws/use/ws';
import { Gauge } from 'prom-client';
import { getMetadataStorage, type AuthChecker, type NonEmptyArray } from 'type-graphql';
import type { Express } from 'express';
import type { DataSource, MixedList } from 'typeorm';
import { checkProductionRequirements, withSettings, type Config } from './config';
import { ANONYMOUS, REQUEST_ID_HEADER, requestIdFrom, type Identity, type RequestContext } from './context';
import { createDataSource, runMigrations } from './database';
import { ErrorCode, ForbiddenError, formatError, UnauthenticatedError } from './errors';
import { buildFederatedSchema, type FederatedSchema, type ReferenceResolvers } from './federation';
import { startHttpService, webSocketEndpoint, type RunningService, type WebSocketEndpoint } from './http-service';
import { createLogger, type Logger } from './logger';
import type { SettingsOf, SettingsSpec } from './settings';
import { Metrics } from './metrics';
import { jitExecutor } from './jit-executor';
import { loggingPlugin } from './plugins';
import { PgPubSub } from './pubsub';
import { hasRole, isAuthenticated, isRole, type Role } from './roles';
import { gatewaySecret, IDENTITY_PARAM, identityFromHeaders, requireSignedIdentity, verifyIdentity } from './signed-identity';
import { traceIdOf, TRACEPARENT_HEADER } from './trace-context';

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

/** Prefixes of the internal HTTP routes: every request there needs a signed caller identity. */
export const INTERNAL_ROUTE_PREFIXES = ['/artifacts', '/streams', '/internal'];

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

/** A subgraph request without a valid signature from the gateway (or another service). */
function unsignedRequest(): GraphQLError {
  return new GraphQLError('this service only answers requests signed by the gateway', {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });
}

export interface StartSubgraphOptions {
  config: Config;
  /** Database to use; defaults to config.DATABASE_URL. */
  databaseUrl?: string;
  /** Overrides the configured port (0 picks a free one, as tests do). */
  port?: number;
  /** Who a websocket connection is, from its connectionParams (default: a signed identity, signedConnection). */
  authenticateConnection?: ConnectionAuthenticator;
}

/**
 * The extension point for websocket auth: validates a connection's `connectionParams` (sent once
 * in graphql-ws `connection_init`) and says who is calling. Returning null, or throwing (e.g. an
 * UnauthenticatedError), refuses the connection: graphql-ws closes it with 4403 Forbidden.
 */
export type ConnectionAuthenticator = (
  connectionParams: Readonly<Record<string, unknown>> | undefined,
) => Promise<Identity | null> | Identity | null;

/**
 * A subgraph's websocket auth: connectionParams must carry a fresh signed identity (`identity`),
 * as the gateway's upstream connections do (signed-identity.ts); anything else is refused.
 */
export function signedConnection(config: Config): ConnectionAuthenticator {
  const secret = gatewaySecret(config);
  return (params) => {
    const identity = verifyIdentity(secret, params?.[IDENTITY_PARAM]);
    return identity && isAuthenticated(identity) ? identity : null;
  };
}

// graphql-ws messages from the gateway are small documents; this caps what a peer can make us buffer.
const MAX_WEBSOCKET_MESSAGE_BYTES = 1024 * 1024;

/** The request id a websocket operation runs under: per operation, else per connection, else new. */
export function websocketRequestId(...candidates: unknown[]): string {
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && requestIdFrom({ [REQUEST_ID_HEADER]: candidate }) === candidate) return candidate;
  }
  return requestIdFrom({});
}

/**
 * Serves the subgraph's schema over graphql-ws on its own `/graphql` (the gateway forwards the
 * root field of a subscription here). Each operation gets the same RequestContext as an HTTP
 * request; errors leave through the same formatError, so codes are identical on both paths.
 */
function serveWebSockets(
  endpoint: WebSocketEndpoint,
  schema: GraphQLSchema,
  logger: Logger,
  metrics: Metrics,
  config: Config,
  authenticate: ConnectionAuthenticator,
): void {
  const streaming = new Gauge({
    name: 'modelplane_websocket_subscriptions',
    help: 'Subscriptions this service is serving over websockets',
    registers: [metrics.registry],
  });
  const format = (errors: readonly GraphQLError[], requestId: string | undefined) =>
    errors.map((err) => {
      if (err.originalError && !(err.originalError instanceof GraphQLError)) {
        logger.error({ err: err.originalError, path: err.path, requestId }, 'unexpected error');
      }
      return formatError(err.toJSON(), err);
    });
  useServer<Record<string, unknown>, { identity: Identity; streams: Set<string> }>(
    {
      schema,
      subscribe,
      // Only subscriptions over websockets, as on the gateway: queries and mutations are HTTP POST,
      // where metrics and access logs see them.
      execute: () => ({
        errors: [new GraphQLError('only subscriptions are served over the websocket', { extensions: { code: 'BAD_REQUEST' } })],
      }),
      // Internal details never travel in close reasons outside local mode.
      isProd: config.MODELPLANE_MODE === 'production',
      onConnect: async (ctx) => {
        try {
          const identity = await authenticate(ctx.connectionParams);
          if (!identity) return false;
          ctx.extra.identity = identity;
          return true;
        } catch (err) {
          if (!(err instanceof GraphQLError)) logger.error({ err }, 'websocket authentication failed');
          return false;
        }
      },
      context: (ctx, _id, payload): RequestContext => {
        const requestId = websocketRequestId(payload.extensions?.requestId, ctx.connectionParams?.requestId);
        return { requestId, identity: ctx.extra.identity ?? ANONYMOUS, logger: logger.child({ requestId }) };
      },
      onOperation: (ctx, id, _payload, _args, result) => {
        if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
          (ctx.extra.streams ??= new Set()).add(id);
          streaming.inc();
        }
      },
      // Called for every operation, also when its socket closed abruptly.
      onComplete: (ctx, id) => {
        if (ctx.extra.streams?.delete(id)) streaming.dec();
      },
      onNext: (_ctx, _id, _payload, args, result: ExecutionResult) =>
        result.errors
          ? { ...result, errors: format(result.errors, (args.contextValue as RequestContext | undefined)?.requestId) }
          : undefined,
      onError: (_ctx, _id, _payload, errors) => format(errors, undefined),
    },
    endpoint.wss,
    config.WEBSOCKET_KEEPALIVE_MS,
  );
}

/** How long a websocket peer gets to answer our close frame on shutdown. */
export function closeHandshakeMs(config: Config): number {
  return Math.min(config.SHUTDOWN_TIMEOUT_MS, 2000);
}

export interface RunningSubgraph<R extends SubgraphRuntime = SubgraphRuntime> extends RunningService {
  services: SubgraphServices;
  runtime: R;
  sdl: string;
}

export async function startSubgraph<R extends SubgraphRuntime>(
  definition: SubgraphDefinition<R>,
  options: StartSubgraphOptions,
): Promise<RunningSubgraph<R>> {
  // The subgraph's own settings are read (and a bad value refused) before anything starts.
  const config = definition.settings ? withSettings(options.config, definition.settings) : options.config;
  checkProductionRequirements(config, 'subgraph');
  // Resolved (in local mode possibly created) before anything else starts.
  gatewaySecret(config);
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const url = options.databaseUrl ?? config.DATABASE_URL;
  if (!url) throw new Error(`${definition.name}: no database (set DATABASE_URL, or start with \`modelplane-server all\`)`);
  const metrics = new Metrics(definition.name);
  const db = createDataSource({
    url,
    schema: definition.name,
    entities: definition.entities,
    migrations: definition.migrations,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: `modelplane-${definition.name}`,
  });
  await db.initialize();
  const pubSub = new PgPubSub({ url, logger });
  try {
    if (config.MIGRATE_ON_START) await runMigrations(db, definition.name, logger);
    await pubSub.start();
  } catch (err) {
    await pubSub.close();
    await db.destroy();
    throw err;
  }
  const services: SubgraphServices = { name: definition.name, config, databaseUrl: url, db, pubSub, logger, metrics };
  const runtime = definition.runtime(services);
  const { schema, sdl } = await buildSubgraph(definition, services, runtime);
  await runtime.start();

  let websockets: WebSocketEndpoint | undefined;
  const running = await startHttpService<RequestContext>({
    name: definition.name,
    logger,
    metrics,
    host: config.HOST,
    port: options.port ?? subgraphPort(config, definition.name),
    bodyLimit: config.MAX_REQUEST_BYTES,
    routes: (app) => {
      app.use(INTERNAL_ROUTE_PREFIXES, requireSignedIdentity(config));
      definition.routes?.(app, runtime);
    },
    ready: async () => {
      await db.query('SELECT 1');
      return true;
    },
    apollo: (httpServer) =>
      new ApolloServer<RequestContext>({
        ...(config.GRAPHQL_EXECUTOR === 'jit' ? { gateway: jitExecutor(schema) } : { schema }),
        formatError,
        introspection: true,
        // Our entry points stop services in order on SIGTERM (websockets, HTTP, then onClose).
        // Apollo's own handler would drain at once and re-raise the signal, skipping onClose.
        stopOnTerminationSignals: false,
        plugins: [
          ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_TIMEOUT_MS }),
          // Traces are for Apollo's hosted reporting, which we do not use; they cost time per request.
          ApolloServerPluginInlineTraceDisabled(),
          // No @cacheControl hints anywhere: its per-field hook (which makes Apollo wrap every
          // resolver) cost ~5 % of a 1000-row predictBatch for nothing.
          ApolloServerPluginCacheControlDisabled(),
          metrics.plugin(),
          loggingPlugin(),
        ],
      }),
    context: async ({ req }) => {
      // Every operation (even `_service`) needs the gateway's signature: see signed-identity.ts.
      // …and a role: every field needs viewer at least (mutations and a few queries more, @Authorized).
      const identity = identityFromHeaders(config, req.headers);
      if (!identity || !isAuthenticated(identity)) throw unsignedRequest();
      const requestId = requestIdFrom(req.headers);
      const traceparent = req.headers[TRACEPARENT_HEADER];
      const traceId = traceIdOf(traceparent);
      return {
        requestId,
        identity,
        logger: logger.child(traceId ? { requestId, traceId } : { requestId }),
        traceparent: typeof traceparent === 'string' ? traceparent : undefined,
      };
    },
    attach: (httpServer) => {
      websockets = webSocketEndpoint(httpServer, '/graphql', MAX_WEBSOCKET_MESSAGE_BYTES);
      serveWebSockets(websockets, schema, logger, metrics, config, options.authenticateConnection ?? signedConnection(config));
    },
    // Subscribers (the gateway) get a close frame and resubscribe elsewhere before pub/sub closes.
    beforeDrain: async () => websockets?.close(closeHandshakeMs(config)),
    onClose: async () => {
      await runtime.stop();
      await pubSub.close();
      await db.destroy();
    },
  });
  return { ...running, services, runtime, sdl };
}
