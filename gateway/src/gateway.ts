import { readFile } from 'node:fs/promises';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ANONYMOUS,
  checkProductionRequirements,
  createLogger,
  dependencyUrls,
  ErrorCode,
  formatError,
  identitySigner,
  loggingPlugin,
  Metrics,
  serviceHeaders,
  serviceIdentity,
  startHttpService,
  VIEWER,
  type Config,
  type ConnectionAuthenticator,
  type RequestContext,
  type RunningService,
  type SubgraphName,
} from '@modelplane/core';
import { GraphQLError, type DocumentNode } from 'graphql';
import { Authenticator } from './auth/authenticator';
import { mountConsoleRoutes } from './console/console-routes';
import { loadRoleRequirements, OperationAnalyzer } from './edge/operation-analysis';
import type { AccessRecord, EdgeRequest } from './edge/edge-state';
import { RequestGuard } from './edge/request-guard';
import { PersistedQueryStore, TrustedDocuments } from './edge/trusted-documents';
import { overflowingLiteralError } from './edge/numeric-literals';
import { OperationCoalescer } from './edge/operation-coalescer';
import { FastPath } from './fast-path';
import { SubgraphDataSource, SubgraphFetchMetrics } from './subgraph-data-source';
import { subscriptionsOverWebSocketOnly } from './subscriptions/http-subscription-guard';
import { SubscriptionServer } from './subscriptions/subscription-server';

/** The gateway's context: a subgraph request context plus the access-log record of the request. */
interface GatewayContext extends RequestContext {
  access?: AccessRecord;
}

/** Outcome of Apollo Server's path for the access log (the request guard writes the line). */
function accessRecordPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ operationName, operation, errors, response }) {
          const access = contextValue.access;
          if (!access) return;
          const body = response.body;
          const all = errors ?? (body.kind === 'single' ? body.singleResult.errors : undefined) ?? [];
          access.operation ??= operationName ?? null;
          access.type ??= operation?.operation ?? null;
          access.outcome = all.length ? 'error' : 'ok';
          if (all.length) access.code = String(all[0]!.extensions?.code ?? ErrorCode.INTERNAL);
        },
      };
    },
  };
}

/**
 * Operations Apollo Gateway plans (not the fast path): a numeric literal beyond float64 would fail
 * planning with an internal error; it is the client's input, so it gets BAD_USER_INPUT first.
 */
function numericLiteralsPlugin(): ApolloServerPlugin<GatewayContext> {
  // Apollo Server hands out the same parsed document for the same query text: check each once.
  const checked = new WeakMap<DocumentNode, GraphQLError | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document }) {
          let error = checked.get(document);
          if (error === undefined) checked.set(document, (error = overflowingLiteralError(document)));
          if (error) throw error;
        },
      };
    },
  };
}

export interface StartGatewayOptions {
  config: Config;
  /** Overrides the configured port (0 picks a free one). */
  port?: number;
  /** Overrides the subgraph URLs from the configuration. */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  /** Who a websocket client is, from its graphql-ws connectionParams (default: API key or JWT in `authorization`). */
  authenticateConnection?: ConnectionAuthenticator;
}

export interface RunningGateway extends RunningService {
  gateway: ApolloGateway;
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  checkProductionRequirements(config, 'gateway');
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const trustedDocuments = config.TRUSTED_DOCUMENTS === 'allow-list' ? TrustedDocuments.load(config.TRUSTED_DOCUMENTS_PATH) : undefined;
  // Client-chosen operation names are bounded label values; the manifest's always keep theirs.
  const metrics = new Metrics('gateway', { knownOperations: trustedDocuments?.names });
  // Resolves (in local mode possibly creates) the gateway secret: every subgraph call is signed with it.
  const signer = identitySigner(config);
  const roles = loadRoleRequirements(config.SUPERGRAPH_PATH);
  const supergraphSdl = await readFile(config.SUPERGRAPH_PATH, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the supergraph at ${config.SUPERGRAPH_PATH} (${err.code}): run npm run compose`);
  });
  const urls: Record<string, string> = {
    ...dependencyUrls(config, 'gateway'),
    ...options.subgraphUrls,
  };
  const subgraphUrl = (name: string, url: string | undefined) => urls[name] ?? url ?? '';
  const fetchMetrics = new SubgraphFetchMetrics(metrics.registry);
  // By convention a query that needs more than viewer writes something (predict logs each row).
  const sideEffectQueryFields = new Set(
    Object.entries(roles)
      .filter(([field, role]) => field.startsWith('Query.') && role !== VIEWER)
      .map(([field]) => field.slice('Query.'.length)),
  );
  const dataSource = (name: string, url: string | undefined) =>
    new SubgraphDataSource({
      name,
      url: subgraphUrl(name, url),
      timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
      signer,
      logger,
      sideEffectQueryFields,
      deduplicate: config.GATEWAY_DEDUPLICATE,
      metrics: fetchMetrics,
    });
  const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ name, url }) => dataSource(name, url) });
  const authenticator = new Authenticator({
    config,
    logger,
    registryUrl: urls.registry!,
    serviceHeaders: serviceHeaders(config, serviceIdentity('gateway')),
  });
  const persistedQueries = new PersistedQueryStore();
  let analyzer: OperationAnalyzer | undefined;
  const guard = new RequestGuard({
    config,
    logger,
    metrics,
    authenticator,
    analyzer: () => analyzer,
    persistedQueries,
    trustedDocuments,
  });
  const subscriptions = new SubscriptionServer({
    config,
    logger,
    metrics,
    dataSource,
    subgraphUrl,
    authenticateConnection: options.authenticateConnection ?? ((params) => authenticator.authenticateConnection(params)),
    // Subscriptions need viewer and stay within the same limits as HTTP operations.
    authorizeSubscription: (identity, payload) =>
      guard.checkSubscription(identity, payload.query, payload.operationName, payload.variables),
    // One identity per upstream connection (shared by many clients): the gateway itself, as a
    // viewer; each client's own role was checked above before it subscribed.
    upstreamConnectionParams: () => ({ identity: signer.token(serviceIdentity('gateway', VIEWER)) }),
  });
  let loaded = false;
  let fastPath: FastPath | undefined;
  // Registered before Apollo Server starts the gateway, so the first load is seen too.
  gateway.onSchemaLoadOrUpdate((schemaContext) => {
    analyzer = new OperationAnalyzer(schemaContext.apiSchema, roles, { maxDepth: config.MAX_QUERY_DEPTH, maxAliases: config.MAX_ALIASES });
    subscriptions.updateSchema(schemaContext);
    if (config.GATEWAY_FAST_PATH) {
      fastPath?.close();
      fastPath = new FastPath({
        apiSchema: schemaContext.apiSchema,
        supergraphSdl: schemaContext.coreSupergraphSdl,
        subgraphUrl,
        logger,
        metrics,
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        signer,
      });
    }
    loaded = true;
  });

  const running = await startHttpService<GatewayContext>({
    name: 'gateway',
    logger,
    metrics,
    host: config.HOST,
    port: options.port ?? config.PORT,
    // Set per request by the guard's body limit (before the body is read).
    bodyLimit: (req) =>
      (req as EdgeRequest).modelplane?.bodyLimit ?? Math.min(config.MAX_REQUEST_BYTES_BEFORE_AUTH, config.MAX_REQUEST_BYTES),
    // The root, /console and /graphiql (gateway/src/console).
    routes: (app) => mountConsoleRoutes(app, { config, logger, authenticator }),
    ready: async () => loaded,
    apollo: (httpServer) =>
      new ApolloServer<GatewayContext>({
        gateway,
        formatError,
        introspection: config.INTROSPECTION,
        // Shared with the request guard, which resolves hashes before its checks (and for the fast path).
        persistedQueries: { cache: persistedQueries },
        // Our entry points stop services in order on SIGTERM (websockets, then HTTP, then the rest).
        // Apollo's own handler would drain at once and re-raise the signal, killing the process mid-way.
        stopOnTerminationSignals: false,
        plugins: [
          ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_TIMEOUT_MS }),
          config.SANDBOX && config.EXPLORER === 'sandbox'
            ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
            : ApolloServerPluginLandingPageDisabled(),
          metrics.plugin(),
          // The access-log line is the request guard's (one for every path, refusals included).
          loggingPlugin({ accessLog: false }),
          accessRecordPlugin(),
          numericLiteralsPlugin(),
          subscriptionsOverWebSocketOnly(),
        ],
      }),
    context: async ({ req }) => {
      const edge = (req as EdgeRequest).modelplane;
      // Defence in depth: nothing runs that the request guard did not check.
      if (!edge?.checked) {
        throw new GraphQLError('authentication required', { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
      }
      const { requestId } = edge;
      return {
        requestId,
        identity: edge.identity ?? ANONYMOUS,
        logger: logger.child({ requestId, traceId: edge.trace.traceId }),
        traceparent: edge.traceparent,
        access: edge.access,
      };
    },
    beforeBody: guard.beforeBody,
    beforeGraphQL: [
      ...guard.checks,
      ...(config.GATEWAY_COALESCE ? [new OperationCoalescer(metrics.registry).handle] : []),
      (req, res, next) => (fastPath ? fastPath.handle(req, res, next) : next()),
    ],
    attach: (httpServer) => subscriptions.attach(httpServer),
    // Websocket clients get their close frame (1001) before HTTP drains.
    beforeDrain: () => subscriptions.close(),
  });
  return { ...running, gateway };
}
