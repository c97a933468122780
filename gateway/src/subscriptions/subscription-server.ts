import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { GraphQLDataSource } from '@apollo/gateway';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  ANONYMOUS,
  closeHandshakeMs,
  formatError,
  InternalError,
  webSocketEndpoint,
  websocketRequestId,
  type Config,
  type ConnectionAuthenticator,
  type Identity,
  type Logger,
  type Metrics,
  type RequestContext,
  type WebSocketEndpoint,
} from '@modelplane/core';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type WebSocket from 'ws';
import { ClientStream } from './client-stream';
import { SubscriptionFanOut, type Broadcast } from './subscription-fan-out';
import { subscriptionMetrics, type SubscriptionMetrics } from './subscription-metrics';
import { SubscriptionPlanner, type PlannedSubscription } from './subscription-planner';
import { UpstreamPool, toWebSocketUrl } from './upstream-pool';

export interface SubscriptionServerOptions {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** The data source HTTP queries use for a subgraph (entity fetches of a plan's `rest`). */
  dataSource: (name: string, url: string) => GraphQLDataSource;
  /** Where the gateway reaches a subgraph over HTTP; its websocket is the same URL as ws://. */
  subgraphUrl: (name: string, url: string) => string;
  /** Who a websocket client is, from its connectionParams (default: anonymous, for tests of this class alone). */
  authenticateConnection?: ConnectionAuthenticator;
  /** Checks one subscribe message of an authenticated client (role, limits); errors refuse it. */
  authorizeSubscription?: (identity: Identity, payload: SubscribePayloadLike) => readonly GraphQLError[] | null;
  /** connection_init payload of upstream connections to subgraphs (the gateway's signed service identity). */
  upstreamConnectionParams?: () => Record<string, unknown>;
}

export interface SubscribePayloadLike {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** graphql-ws close code for a connection whose credentials are missing or invalid. */
export const CLOSE_UNAUTHORIZED = 4401;

/** What one client's subscribe message became: the plan, its variables and who asked. */
interface ClientOperation {
  planner: SubscriptionPlanner;
  planned: PlannedSubscription;
  variables: Record<string, unknown>;
  identity: Identity;
  requestId: string;
  socket: WebSocket;
}

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  identity: Identity;
}

// Subscribe messages carry a document and variables; nothing legitimate comes near this.
const MAX_MESSAGE_BYTES = 256 * 1024;

/** Close code for a client that fell behind: "try again later" (graphql-ws clients reconnect). */
export const CLOSE_TOO_SLOW = 1013;
/** Close code when the supergraph changed: "service restart" (clients reconnect and resubscribe). */
export const CLOSE_SCHEMA_CHANGED = 1012;

/**
 * Federated subscriptions on the gateway's /graphql, over graphql-ws on the HTTP port.
 *
 * A subscribe message is validated and planned against the current supergraph (cached per
 * document and operation name). Clients whose subscription is identical (document, operation,
 * variables, and caller) share one upstream subscription to the subgraph owning the root field;
 * each upstream event runs the plan's `rest` once (entity fetches over HTTP, as queries do) and
 * the merged result goes to every client of that subscription, in upstream order.
 *
 * Over the websocket only subscriptions are accepted; queries and mutations get BAD_REQUEST and
 * belong on HTTP POST, where the gateway's whole request pipeline applies.
 */
export class SubscriptionServer {
  private planner: SubscriptionPlanner | undefined;
  private generation = 0;
  private endpoint: WebSocketEndpoint | undefined;
  private closing: Promise<void> | undefined;
  private readonly fanOut = new SubscriptionFanOut();
  private readonly pool: UpstreamPool;
  private readonly metrics: SubscriptionMetrics;
  private readonly logger: Logger;

  constructor(private readonly options: SubscriptionServerOptions) {
    this.logger = options.logger.child({ component: 'subscriptions' });
    this.metrics = subscriptionMetrics(options.metrics);
    this.pool = new UpstreamPool({
      logger: this.logger,
      retryMaxMs: options.config.SUBSCRIPTION_RETRY_MAX_MS,
      keepAliveMs: options.config.WEBSOCKET_KEEPALIVE_MS,
      onReconnect: (subgraph) => this.metrics.upstreamReconnects.inc({ subgraph }),
      connectionParams: options.upstreamConnectionParams,
    });
  }

  /**
   * The gateway loaded or updated its supergraph (register before it loads). Plans are rebuilt; on
   * an update, open websockets are closed (1012) so clients resubscribe against the new one.
   */
  updateSchema({ apiSchema, coreSupergraphSdl }: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }): void {
    let planner: SubscriptionPlanner;
    try {
      planner = new SubscriptionPlanner({
        apiSchema,
        supergraphSdl: coreSupergraphSdl,
        dataSource: this.options.dataSource,
        subgraphUrl: this.options.subgraphUrl,
        logger: this.logger,
      });
    } catch (err) {
      this.logger.error({ err }, 'cannot plan subscriptions on the new supergraph; keeping the previous one');
      return;
    }
    const previous = this.planner;
    this.planner = planner;
    this.generation += 1;
    if (previous && this.endpoint && !this.closing) {
      this.logger.info('supergraph updated: closing websockets so clients resubscribe against it');
      void this.endpoint.disconnectAll(CLOSE_SCHEMA_CHANGED, 'supergraph updated; reconnect', closeHandshakeMs(this.options.config));
    }
  }

  /** Serves graphql-ws on the HTTP server's /graphql (the `attach` hook of startHttpService). */
  attach(httpServer: Server): void {
    const { config } = this.options;
    const authenticate = this.options.authenticateConnection ?? (() => ANONYMOUS);
    const endpoint = webSocketEndpoint(httpServer, '/graphql', MAX_MESSAGE_BYTES);
    this.endpoint = endpoint;
    endpoint.wss.on('connection', (socket: WebSocket) => {
      this.metrics.connections.inc();
      socket.once('close', () => this.metrics.connections.dec());
    });
    useServer<Record<string, unknown>, ConnectionExtra>(
      {
        isProd: config.MODELPLANE_MODE === 'production',
        onConnect: async (ctx) => {
          let reason = 'Unauthorized: send { authorization: "Bearer <API key or JWT>" } in connectionParams';
          try {
            const identity = await authenticate(ctx.connectionParams);
            if (identity) {
              ctx.extra.identity = identity;
              return true;
            }
          } catch (err) {
            if (!(err instanceof GraphQLError)) this.logger.error({ err }, 'websocket authentication failed');
            else reason = `Unauthorized: ${err.message}`;
          }
          // 4401 tells the client its credentials are the problem (graphql-ws itself would say 4403).
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, reason.slice(0, 120));
          return false;
        },
        onSubscribe: (ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] => {
          const refused = this.options.authorizeSubscription?.(ctx.extra.identity ?? ANONYMOUS, payload);
          if (refused?.length) return refused;
          const planner = this.planner;
          if (!planner) return [new InternalError('the supergraph is not loaded yet')];
          const outcome = planner.plan(payload.query, payload.operationName);
          if ('errors' in outcome) return outcome.errors;
          const coerced = planner.coerceVariables(outcome.planned, payload.variables);
          if ('errors' in coerced) return coerced.errors;
          const operation: ClientOperation = {
            planner,
            planned: outcome.planned,
            variables: coerced.variables,
            identity: ctx.extra.identity ?? ANONYMOUS,
            requestId: websocketRequestId(payload.extensions?.requestId, ctx.connectionParams?.requestId),
            socket: ctx.extra.socket,
          };
          return {
            schema: planner.apiSchema,
            document: outcome.planned.document,
            operationName: outcome.planned.operationName,
            variableValues: coerced.variables,
            contextValue: operation,
          };
        },
        subscribe: (args) => this.subscribe(args.contextValue as ClientOperation) as AsyncIterable<ExecutionResult>,
        // Unreachable (onSubscribe refuses queries and mutations); a second line of defence.
        execute: () => ({
          errors: [
            new GraphQLError('only subscriptions are served over the websocket', {
              extensions: { code: ApolloServerErrorCode.BAD_REQUEST },
            }),
          ],
        }),
        // Results are formatted once per event for every client; count and pass them through.
        onNext: (_ctx, _id, _payload, _args, result) => {
          this.metrics.eventsDelivered.inc();
          return result as FormattedExecutionResult;
        },
        onError: (_ctx, _id, _payload, errors) => errors.map((err) => formatError(err.toJSON(), err)),
      },
      endpoint.wss,
      config.WEBSOCKET_KEEPALIVE_MS,
    );
  }

  /**
   * Shutdown, before HTTP drains: every websocket gets a close frame (1001, so clients reconnect
   * to another replica), which ends their subscriptions; then the upstream connections close.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.endpoint?.close(closeHandshakeMs(this.options.config));
      this.fanOut.closeAll();
      await this.pool.close();
    })();
    return this.closing;
  }

  private subscribe(operation: ClientOperation): ClientStream {
    const key = this.shareKey(operation);
    // The upstream may end while this stream joins (before join returns): leave is set after.
    const membership: { leave?: () => void } = {};
    this.metrics.clientSubscriptions.inc();
    const started = process.hrtime.bigint();
    const stream: ClientStream = new ClientStream({
      maxBufferedBytes: this.options.config.SUBSCRIPTION_MAX_BUFFERED_BYTES,
      bufferedAmount: () => operation.socket.bufferedAmount,
      onOverflow: () => this.dropSlowClient(operation),
      onClose: () => {
        this.metrics.clientSubscriptions.dec();
        membership.leave?.();
        // The access-log line HTTP operations get (loggingPlugin), when the subscription ends.
        this.logger.info(
          {
            requestId: operation.requestId,
            operation: operation.planned.operationName ?? null,
            type: 'subscription',
            ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
            events: stream.delivered,
            subject: operation.identity.subject,
            ...(operation.identity.keyId && { keyId: operation.identity.keyId }),
          },
          'graphql',
        );
      },
    });
    membership.leave = this.fanOut.join(key, stream, (broadcast) => this.openUpstream(operation, broadcast));
    return stream;
  }

  /**
   * Same document, operation, variables and caller → same upstream. The caller is part of the key
   * so that, once subgraphs authorize per caller, one caller's results never reach another.
   */
  private shareKey({ planned, variables, identity }: ClientOperation): string {
    return createHash('sha256')
      .update(JSON.stringify([this.generation, identity.subject, planned.canonical, canonicalJson(variables)]))
      .digest('hex');
  }

  private openUpstream(operation: ClientOperation, broadcast: Broadcast): () => void {
    const { planner, planned, variables, identity } = operation;
    const subgraph = planned.primary.serviceName;
    const httpUrl = planner.subgraphUrls.get(subgraph);
    if (!httpUrl) {
      this.logger.error({ subgraph }, 'the plan names a subgraph the supergraph does not list');
      broadcast.next({ errors: [new InternalError().toJSON()] });
      broadcast.complete();
      return () => undefined;
    }
    const upstreamId = randomUUID();
    const logger = this.logger.child({ upstream: upstreamId, subgraph, requestId: operation.requestId });
    // Events are executed as they come (entity fetches overlap) but delivered in upstream order.
    let tail: Promise<void> = Promise.resolve();
    const then = (step: () => Promise<void> | void) => {
      tail = tail.then(step).catch((err: unknown) => logger.error({ err }, 'delivering a subscription event failed'));
    };
    let seq = 0;
    this.metrics.upstreamSubscriptions.inc({ subgraph });
    logger.debug('upstream subscription opened');
    const stopUpstream = this.pool.subscribe(
      subgraph,
      toWebSocketUrl(httpUrl),
      { ...planner.primaryRequest(planned, variables), extensions: { requestId: upstreamId } },
      {
        next: (event) => {
          seq += 1;
          const requestId = `${upstreamId}.${seq}`;
          const context: RequestContext = { requestId, identity, logger: logger.child({ requestId }) };
          const endTimer = this.metrics.eventDuration.startTimer();
          const result = planner.executeEvent(planned, variables, event, context).finally(() => endTimer());
          then(async () => broadcast.next(await result));
        },
        error: (errors) =>
          then(() => {
            broadcast.next({ errors });
            broadcast.complete();
          }),
        complete: () => then(() => broadcast.complete()),
      },
    );
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.metrics.upstreamSubscriptions.dec({ subgraph });
      logger.debug('upstream subscription closed');
      stopUpstream();
    };
  }

  private dropSlowClient({ socket }: ClientOperation): void {
    // Several subscriptions of one socket may overflow together; the socket closes once.
    if (socket.readyState !== socket.OPEN) return;
    this.metrics.clientsDropped.inc({ reason: 'slow' });
    this.logger.warn(
      { bufferedBytes: socket.bufferedAmount, limit: this.options.config.SUBSCRIPTION_MAX_BUFFERED_BYTES },
      'disconnecting a websocket client that fell behind its subscriptions',
    );
    socket.close(CLOSE_TOO_SLOW, 'too slow: fell behind its subscriptions');
    // The close frame queues behind what the client has not read: do not wait for it long.
    setTimeout(() => socket.terminate(), closeHandshakeMs(this.options.config)).unref();
  }
}

/** JSON with object keys sorted, so equal variables give equal keys whatever their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
