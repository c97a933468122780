import { InternalError, type Logger } from '@modelplane/core';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';

export interface UpstreamSink {
  next(result: FormattedExecutionResult): void;
  /** The subscription failed for good (the subgraph rejected it, or a fatal close). */
  error(errors: readonly GraphQLFormattedError[]): void;
  complete(): void;
}

export interface UpstreamPoolOptions {
  logger: Logger;
  /** Cap of the exponential backoff between reconnection attempts. */
  retryMaxMs: number;
  /** Ping interval; a subgraph that does not answer within as long again is dropped and retried. 0: none. */
  keepAliveMs: number;
  /** A connection to a subgraph came back after it had gone away. */
  onReconnect?: (subgraph: string) => void;
  /** Sent in connection_init; the place for a service credential once subgraphs check one. */
  connectionParams?: () => Record<string, unknown>;
}

const RETRY_BASE_MS = 100;

/**
 * Delay before reconnection attempt `retries` (0-based): 100 ms doubling up to the cap, with
 * jitter in its upper half so gateways do not all reconnect to a restarted subgraph at once.
 */
export function backoffDelay(retries: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, RETRY_BASE_MS * 2 ** Math.min(retries, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** http(s)://host/graphql → ws(s)://host/graphql: subgraphs serve both on one path. */
export function toWebSocketUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/i, 'ws');
}

interface PooledClient {
  client: Client;
  subgraph: string;
}

/**
 * One graphql-ws connection per subgraph, multiplexing every upstream subscription the gateway
 * holds there. When a subgraph goes away (restart, crash, network) the client reconnects with
 * exponential backoff and resubscribes every operation still active; the gateway's own clients
 * stay subscribed meanwhile (events published while it was away are not replayed).
 */
export class UpstreamPool {
  private readonly clients = new Map<string, PooledClient>();
  private readonly active = new Set<() => void>();
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(private readonly options: UpstreamPoolOptions) {}

  subscribe(subgraph: string, wsUrl: string, payload: SubscribePayload, sink: UpstreamSink): () => void {
    if (this.closed) {
      sink.error([new InternalError('the gateway is shutting down').toJSON()]);
      return () => undefined;
    }
    const { client } = this.clientFor(subgraph, wsUrl);
    let finished = false;
    const unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(payload, {
      next: (value) => {
        if (!finished) sink.next(value as FormattedExecutionResult);
      },
      error: (err) => {
        if (finished) return;
        finished = true;
        this.active.delete(stop);
        sink.error(this.toFormattedErrors(subgraph, err));
      },
      complete: () => {
        if (finished) return;
        finished = true;
        this.active.delete(stop);
        sink.complete();
      },
    });
    const stop = () => {
      if (finished) return;
      finished = true;
      this.active.delete(stop);
      unsubscribe();
    };
    this.active.add(stop);
    return stop;
  }

  /** Stops every upstream subscription (their sinks hear nothing more) and closes the connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const stop of [...this.active]) stop();
    for (const sleeper of [...this.sleeping]) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
    // A client waiting to retry rejects its dispose (nothing is connected); that is fine here.
    await Promise.all([...this.clients.values()].map(({ client }) => Promise.resolve(client.dispose()).catch(() => undefined)));
    this.clients.clear();
  }

  private clientFor(subgraph: string, wsUrl: string): PooledClient {
    const key = `${subgraph} ${wsUrl}`;
    const existing = this.clients.get(key);
    if (existing) return existing;
    const { logger, keepAliveMs } = this.options;
    // Warn once per outage, not once per failed attempt.
    let up = false;
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: this.options.connectionParams,
      lazy: true,
      // Keep an idle connection briefly: clients often resubscribe right after completing.
      lazyCloseTimeout: 2000,
      keepAlive: keepAliveMs,
      connectionAckWaitTimeout: 10_000,
      retryAttempts: Infinity,
      // Connection refused (the subgraph is restarting) is an error event, not a close: retry it too.
      shouldRetry: () => !this.closed,
      retryWait: (retries) => this.sleep(backoffDelay(retries, this.options.retryMaxMs)),
      on: {
        connected: (_socket, _payload, wasRetry) => {
          up = true;
          if (!wasRetry) return;
          logger.info({ subgraph }, 'upstream subscriptions re-established');
          this.options.onReconnect?.(subgraph);
        },
        closed: (event) => {
          const { code, reason } = (event ?? {}) as { code?: number; reason?: string };
          const wasUp = up;
          up = false;
          if (this.closed || code === 1000) return;
          if (wasUp) logger.warn({ subgraph, code, reason }, 'upstream websocket lost; resubscribing with backoff');
          else logger.debug({ subgraph, code, reason }, 'upstream websocket attempt failed');
        },
      },
    });
    if (keepAliveMs > 0) {
      // graphql-ws only sends pings; a subgraph that stops answering them is dropped, and retried.
      let pongTimeout: NodeJS.Timeout | undefined;
      client.on('ping', (received) => {
        if (received) return;
        clearTimeout(pongTimeout);
        pongTimeout = setTimeout(() => {
          logger.warn({ subgraph }, 'upstream websocket stopped answering pings; reconnecting');
          client.terminate();
        }, keepAliveMs);
        pongTimeout.unref();
      });
      client.on('pong', (received) => {
        if (received) clearTimeout(pongTimeout);
      });
      client.on('closed', () => clearTimeout(pongTimeout));
    }
    const pooled = { client, subgraph };
    this.clients.set(key, pooled);
    return pooled;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleeping.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      sleeper.timer.unref();
      this.sleeping.add(sleeper);
    });
  }

  private toFormattedErrors(subgraph: string, err: unknown): readonly GraphQLFormattedError[] {
    // graphql-ws `error` message: the subgraph rejected the operation with GraphQL errors.
    if (Array.isArray(err) && err.length && err.every((e) => typeof (e as { message?: unknown })?.message === 'string')) {
      return err as GraphQLFormattedError[];
    }
    const { code, reason, message } = (err ?? {}) as { code?: number; reason?: string; message?: string };
    this.options.logger.error({ subgraph, code, reason, message }, 'upstream subscription failed');
    return [new InternalError().toJSON()];
  }
}
