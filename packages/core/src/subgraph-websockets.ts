import { GraphQLError, subscribe, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Gauge } from 'prom-client';
import type { Config } from './config';
import { ANONYMOUS, REQUEST_ID_HEADER, requestIdFrom, type Identity, type RequestContext } from './context';
import { formatError } from './errors';
import type { WebSocketEndpoint } from './http-service';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { isAuthenticated } from './roles';
import { gatewaySecret, IDENTITY_PARAM, verifyIdentity } from './signed-identity';

/** A subgraph's graphql-ws endpoint: who may connect, and how operations run over it. */

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
export const MAX_WEBSOCKET_MESSAGE_BYTES = 1024 * 1024;

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
export function serveWebSockets(
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
