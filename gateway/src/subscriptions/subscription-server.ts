import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { GraphQLDataSource } from '@apollo/gateway';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  ANONYMOUS,
  closeHandshakeMs,
  ErrorCode,
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
import { websocketOriginCheck } from './websocket-origin';

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
/** Close code for a connection whose credentials stopped being valid (revoked key, expired JWT). */
export const CLOSE_FORBIDDEN = 4403;

/** What one client's subscribe message became: the plan, its variables and who asked. */
interface ClientOperation {
  planner: SubscriptionPlanner;
  planned: PlannedSubscription;
  variables: Record<string, unknown>;
  identity: Identity;
  requestId: string;
  socket: WebSocket;
  /** Gives back its place under the per-connection and per-caller caps. */
  release: () => void;
}

/** What the server keeps on a connection (graphql-ws's `extra`, with its socket). */
type ConnectionState = Partial<ConnectionExtra> & { socket: WebSocket };

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  identity: Identity;
  /** Subscriptions the connection holds. */
  subscriptions: number;
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
  /** Subscriptions per caller (API key or subject), for SUBSCRIPTIONS_PER_KEY. */
  private readonly perCaller = new Map<string, number>();

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
    const endpoint = webSocketEndpoint(httpServer, '/graphql', MAX_MESSAGE_BYTES, websocketOriginCheck(config.CORS_ORIGINS));
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
              ctx.extra.subscriptions = 0;
              // Verified again periodically (and on every subscribe): revocation and expiry end the connection.
              const timer = setInterval(
                () => void this.reverify(ctx.extra, ctx.connectionParams, authenticate),
                config.WEBSOCKET_REAUTH_MS,
              );
              timer.unref();
              ctx.extra.socket.once('close', () => clearInterval(timer));
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
        onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
          const identity = await this.reverify(ctx.extra, ctx.connectionParams, authenticate);
          if (!identity)
            return [new GraphQLError('the credentials are no longer valid', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
          const refused = this.options.authorizeSubscription?.(identity, payload);
          if (refused?.length) return refused;
          const capped = this.overCap(ctx.extra, identity);
          if (capped) return [capped];
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
            identity,
            requestId: websocketRequestId(payload.extensions?.requestId, ctx.connectionParams?.requestId),
            socket: ctx.extra.socket,
            release: this.hold(ctx.extra, identity),
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

  /**
   * The connection's credentials verified again (API keys through the verifier's short cache):
   * the current identity, or null after closing the socket (4403) when they are no longer valid.
   * A registry that cannot answer right now keeps the connection as it is.
   */
  private async reverify(
    extra: ConnectionState,
    params: Readonly<Record<string, unknown>> | undefined,
    authenticate: ConnectionAuthenticator,
  ): Promise<Identity | null> {
    let reason = 'Forbidden: the credentials are no longer valid';
    try {
      const identity = await authenticate(params);
      if (identity) {
        extra.identity = identity;
        return identity;
      }
    } catch (err) {
      if (!(err instanceof GraphQLError) || err.extensions?.code === ErrorCode.SUBGRAPH_UNAVAILABLE) {
        this.logger.warn({ err }, 'cannot verify a websocket client again; keeping it');
        return extra.identity ?? null;
      }
      reason = `Forbidden: ${err.message}`;
    }
    const { socket } = extra;
    if (socket.readyState === socket.OPEN) {
      this.metrics.clientsDropped.inc({ reason: 'credentials' });
      socket.close(CLOSE_FORBIDDEN, reason.slice(0, 120));
    }
    return null;
  }

  /** The refusal when the connection or the caller holds as many subscriptions as allowed. */
  private overCap(extra: ConnectionState, identity: Identity): GraphQLError | null {
    const { SUBSCRIPTIONS_PER_CONNECTION: perConnection, SUBSCRIPTIONS_PER_KEY: perKey } = this.options.config;
    const tooMany = (message: string, max: number) => new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, max } });
    if ((extra.subscriptions ?? 0) >= perConnection)
      return tooMany(`this connection holds the most subscriptions allowed (${perConnection})`, perConnection);
    if ((this.perCaller.get(callerOf(identity)) ?? 0) >= perKey)
      return tooMany(`this caller holds the most subscriptions allowed (${perKey})`, perKey);
    return null;
  }

  /** Counts one subscription against the caps; the returned function gives it back (once). */
  private hold(extra: ConnectionState, identity: Identity): () => void {
    const caller = callerOf(identity);
    extra.subscriptions = (extra.subscriptions ?? 0) + 1;
    this.perCaller.set(caller, (this.perCaller.get(caller) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      extra.subscriptions = (extra.subscriptions ?? 1) - 1;
      const left = (this.perCaller.get(caller) ?? 1) - 1;
      if (left > 0) this.perCaller.set(caller, left);
      else this.perCaller.delete(caller);
    };
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
        operation.release();
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

/** Whose subscriptions count together: an API key's, else a subject's. */
function callerOf(identity: Identity): string {
  return identity.keyId ? `key:${identity.keyId}` : `sub:${identity.subject}`;
}

/** JSON with object keys sorted, so equal variables give equal keys whatever their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
