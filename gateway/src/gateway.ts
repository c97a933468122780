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
  type RequestContext,
  type RunningService,
  type SubgraphName,
} from '@modelplane/core';
import { subgraphFetcher } from './subgraph-fetcher';

export interface StartGatewayOptions {
  config: Config;
  /** Overrides the configured port (0 picks a free one). */
  port?: number;
  /** Overrides the subgraph URLs from the configuration. */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
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
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<RequestContext>({
        url: urls[name] ?? url,
        fetcher: fetcher as unknown as RemoteGraphQLDataSource['fetcher'],
        willSendRequest({ request, context }) {
          // Subgraph logs carry the same request id as the gateway's.
          if (context.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
        },
      }),
  });
  let loaded = false;
  gateway.onSchemaLoadOrUpdate(() => {
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
        plugins: [
          ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.SHUTDOWN_TIMEOUT_MS }),
          config.SANDBOX ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
          metrics.plugin(),
          loggingPlugin(),
        ],
      }),
    context: async ({ req }) => {
      const requestId = requestIdFrom(req.headers);
      return { requestId, identity: ANONYMOUS, logger: logger.child({ requestId }) };
    },
  });
  return { ...running, gateway };
}
