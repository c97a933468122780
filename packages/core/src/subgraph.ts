import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { GraphQLError, subscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { useServer } from 'graphql-ws/use/ws';
import { Gauge } from 'prom-client';
import type { NonEmptyArray } from 'type-graphql';
import type { Express } from 'express';
import type { DataSource, MixedList } from 'typeorm';
import type { Config } from './config';
import { ANONYMOUS, REQUEST_ID_HEADER, requestIdFrom, type Identity, type RequestContext } from './context';
import { createDataSource, runMigrations } from './database';
import { formatError } from './errors';
import { buildFederatedSchema, type FederatedSchema, type ReferenceResolvers } from './federation';
import { startHttpService, webSocketEndpoint, type RunningService, type WebSocketEndpoint } from './http-service';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import { jitExecutor } from './jit-executor';
import { loggingPlugin } from './plugins';
import { PgPubSub } from './pubsub';

export type SubgraphName = 'registry' | 'prediction' | 'experiments' | 'monitoring';

/** What a subgraph's resolvers and background tasks receive (constructor injection). */
export interface SubgraphServices {
  name: SubgraphName;
  config: Config;
  db: DataSource;
  pubSub: PgPubSub;
  logger: Logger;
  metrics: Metrics;
}

/** Everything a subgraph adds; the rest (HTTP, DB, metrics, shutdown) is startSubgraph's. */
export interface SubgraphDefinition {
  name: SubgraphName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  /** `__resolveReference` for each entity this subgraph can resolve by key. */
  references?: (services: SubgraphServices) => ReferenceResolvers;
  /** Extra HTTP routes on the subgraph's server. */
  routes?: (app: Express, services: SubgraphServices) => void;
  /** Background work (consumers, schedulers); returns its stop function. */
  start?: (services: SubgraphServices) => Promise<() => Promise<void>>;
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
 * Resolver classes are built once per process with the services as their only constructor
 * argument; type-graphql asks this container for them.
 */
function serviceContainer(services: SubgraphServices) {
  const instances = new Map<unknown, unknown>();
  return {
    get(someClass: new (s: SubgraphServices) => unknown) {
      let instance = instances.get(someClass);
      if (!instance) {
        instance = new someClass(services);
        instances.set(someClass, instance);
      }
      return instance;
    },
  };
}

/** Builds the subgraph schema. Needs no database: `compose` uses it to print SDL. */
export async function buildSubgraph(definition: SubgraphDefinition, services: SubgraphServices): Promise<FederatedSchema> {
  return buildFederatedSchema(
    {
      resolvers: definition.resolvers,
      orphanedTypes: definition.orphanedTypes,
      container: serviceContainer(services),
      pubSub: services.pubSub,
      validate: { forbidUnknownValues: false },
      // Dates travel as ISO-8601 `DateTime` (graphql-scalars), the name clients expect.
      scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    },
    definition.references?.(services),
  );
}

export interface StartSubgraphOptions {
  config: Config;
  /** Database to use; defaults to config.DATABASE_URL. */
  databaseUrl?: string;
  /** Overrides the configured port (0 picks a free one, as tests do). */
  port?: number;
  /** Who a websocket connection is, from its connectionParams (default: everyone is anonymous). */
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

/** Until auth lands every websocket connection is anonymous, as every HTTP request is. */
export const anonymousConnection: ConnectionAuthenticator = () => ANONYMOUS;

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

export interface RunningSubgraph extends RunningService {
  services: SubgraphServices;
  sdl: string;
}

export async function startSubgraph(definition: SubgraphDefinition, options: StartSubgraphOptions): Promise<RunningSubgraph> {
  const { config } = options;
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
  const services: SubgraphServices = { name: definition.name, config, db, pubSub, logger, metrics };
  const { schema, sdl } = await buildSubgraph(definition, services);
  const stopBackground = definition.start ? await definition.start(services) : undefined;

  let websockets: WebSocketEndpoint | undefined;
  const running = await startHttpService<RequestContext>({
    name: definition.name,
    logger,
    metrics,
    host: config.HOST,
    port: options.port ?? subgraphPort(config, definition.name),
    bodyLimit: config.MAX_REQUEST_BYTES,
    routes: definition.routes && ((app) => definition.routes!(app, services)),
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
          metrics.plugin(),
          loggingPlugin(),
        ],
      }),
    context: async ({ req }) => {
      const requestId = requestIdFrom(req.headers);
      return { requestId, identity: ANONYMOUS, logger: logger.child({ requestId }) };
    },
    attach: (httpServer) => {
      websockets = webSocketEndpoint(httpServer, '/graphql', MAX_WEBSOCKET_MESSAGE_BYTES);
      serveWebSockets(websockets, schema, logger, metrics, config, options.authenticateConnection ?? anonymousConnection);
    },
    // Subscribers (the gateway) get a close frame and resubscribe elsewhere before pub/sub closes.
    beforeDrain: async () => websockets?.close(closeHandshakeMs(config)),
    onClose: async () => {
      await stopBackground?.();
      await pubSub.close();
      await db.destroy();
    },
  });
  return { ...running, services, sdl };
}
