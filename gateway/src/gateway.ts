import { readFile } from 'node:fs/promises';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ANONYMOUS,
  REQUEST_ID_HEADER,
  createLogger,
  formatError,
  loggingPlugin,
  Metrics,
  requestIdFrom,
  startHttpService,
  type Config,
  type ConnectionAuthenticator,
  type RequestContext,
  type RunningService,
  type SubgraphName,
} from '@modelplane/core';
import { FastPath } from './fast-path';
import { subgraphFetcher } from './subgraph-fetcher';
import { subscriptionsOverWebSocketOnly } from './subscriptions/http-subscription-guard';
import { SubscriptionServer } from './subscriptions/subscription-server';

export interface StartGatewayOptions {
  config: Config;
  /** Overrides the configured port (0 picks a free one). */
  port?: number;
  /** Overrides the subgraph URLs from the configuration. */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  /** Who a websocket client is, from its graphql-ws connectionParams (default: anonymous). */
  authenticateConnection?: ConnectionAuthenticator;
}

export interface RunningGateway extends RunningService {
  gateway: ApolloGateway;
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = new Metrics('gateway');
  const supergraphSdl = await readFile(config.SUPERGRAPH_PATH, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the supergraph at ${config.SUPERGRAPH_PATH} (${err.code}): run npm run compose`);
  });
  const urls: Record<string, string> = {
    registry: config.REGISTRY_URL,
    prediction: config.PREDICTION_URL,
    experiments: config.EXPERIMENTS_URL,
    monitoring: config.MONITORING_URL,
    ...options.subgraphUrls,
  };
  const fetcher = subgraphFetcher(config.SUBGRAPH_TIMEOUT_MS);
  const subgraphUrl = (name: string, url: string | undefined) => urls[name] ?? url ?? '';
  const dataSource = (name: string, url: string | undefined) =>
    new RemoteGraphQLDataSource<RequestContext>({
      url: subgraphUrl(name, url),
      fetcher: fetcher as unknown as RemoteGraphQLDataSource['fetcher'],
      willSendRequest({ request, context }) {
        // Subgraph logs carry the same request id as the gateway's.
        if (context.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
      },
    });
  const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ name, url }) => dataSource(name, url) });
  const subscriptions = new SubscriptionServer({
    config,
    logger,
    metrics,
    dataSource,
    subgraphUrl,
    authenticateConnection: options.authenticateConnection,
  });
  let loaded = false;
  let fastPath: FastPath | undefined;
  // Registered before Apollo Server starts the gateway, so the first load is seen too.
  gateway.onSchemaLoadOrUpdate((schemaContext) => {
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
      });
    }
    loaded = true;
  });

  const running = await startHttpService<RequestContext>({
    name: 'gateway',
    logger,
    metrics,
    host: config.HOST,
    port: options.port ?? config.PORT,
    bodyLimit: config.MAX_REQUEST_BYTES,
    redirectRoot: config.SANDBOX,
    ready: async () => loaded,
    apollo: (httpServer) =>
      new ApolloServer<RequestContext>({
        gateway,
        formatError,
        introspection: config.INTROSPECTION,
        // Our entry points stop services in order on SIGTERM (websockets, then HTTP, then the rest).
        // Apollo's own handler would drain at once and re-raise the signal, killing the process mid-way.
        stopOnTerminationSignals: false,
        plugins: [
          ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_TIMEOUT_MS }),
          config.SANDBOX ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
          metrics.plugin(),
          loggingPlugin(),
          subscriptionsOverWebSocketOnly(),
        ],
      }),
    context: async ({ req }) => {
      const requestId = requestIdFrom(req.headers);
      return { requestId, identity: ANONYMOUS, logger: logger.child({ requestId }) };
    },
    beforeGraphQL: [(req, res, next) => (fastPath ? fastPath.handle(req, res, next) : next())],
    attach: (httpServer) => subscriptions.attach(httpServer),
    // Websocket clients get their close frame (1001) before HTTP drains.
    beforeDrain: () => subscriptions.close(),
  });
  return { ...running, gateway };
}
