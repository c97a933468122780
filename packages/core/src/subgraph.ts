import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { GraphQLError } from 'graphql';
import { checkProductionRequirements, ConfigError, withSettings, type Config } from './config';
import { requestIdFrom, type RequestContext } from './context';
import { createDataSource, runMigrations } from './database';
import { ErrorCode, formatError } from './errors';
import { startHttpService, webSocketEndpoint, type RunningService, type WebSocketEndpoint } from './http-service';
import { createLogger } from './logger';
import { Metrics } from './metrics';
import { jitExecutor } from './jit-executor';
import { loggingPlugin } from './plugins';
import { PgPubSub } from './pubsub';
import { isAuthenticated } from './roles';
import { gatewaySecret, identityFromHeaders, requireSignedIdentity } from './signed-identity';
import { buildSubgraph, subgraphPort, type SubgraphDefinition, type SubgraphRuntime, type SubgraphServices } from './subgraph-schema';
import {
  closeHandshakeMs,
  MAX_WEBSOCKET_MESSAGE_BYTES,
  serveWebSockets,
  signedConnection,
  type ConnectionAuthenticator,
} from './subgraph-websockets';
import { traceIdOf, TRACEPARENT_HEADER } from './trace-context';

/** Starting a subgraph: database, pub/sub, runtime, schema, HTTP and websockets, and the ordered stop. */

/** Prefixes of the internal HTTP routes: every request there needs a signed caller identity. */
export const INTERNAL_ROUTE_PREFIXES = ['/artifacts', '/streams', '/internal'];

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
  if (!url) throw new ConfigError(`${definition.name}: no database (set DATABASE_URL, or start with \`modelplane-server all\`)`);
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
