import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type DocumentNode, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CLIENT_ERROR_CODES, ModelplaneClientError, networkError } from './errors';

export interface ClientOptions {
  /** The gateway's GraphQL URL, e.g. http://localhost:4000/graphql. */
  endpoint: string;
  /** Sent as `Authorization: Bearer …` (HTTP) and `{ authorization: 'Bearer …' }` (graphql-ws connectionParams). */
  apiKey?: string;
  /** Extra HTTP headers on every request (e.g. traceparent, x-request-id). */
  headers?: Record<string, string>;
  /** A fetch implementation (default: the global one); tests and proxies pass their own. */
  fetch?: typeof globalThis.fetch;
  /** Abort an HTTP request after this long (default: no limit: a large predictBatch may take a while). */
  timeoutMs?: number;
  /** Subscriptions' URL (default: the endpoint with http→ws, https→wss). */
  websocketEndpoint?: string;
  /**
   * Reconnections after the websocket drops (the server restarted, a replica went away); graphql-ws
   * subscribes again after each. Default 0: a broken connection ends the subscription with an error.
   */
  retryAttempts?: number;
}

/** The variables argument: optional when the operation has none (or only optional ones). */
export type VariablesArgs<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

export interface SubscribeOptions {
  /** Called each time the websocket is connected and acknowledged (the subscription is sent right after). */
  onConnected?: () => void;
}

export type SubscribeArgs<V> =
  Record<string, never> extends V ? [variables?: V, options?: SubscribeOptions] : [variables: V, options?: SubscribeOptions];

export interface ModelplaneClient {
  readonly endpoint: string;
  /** Runs a query or mutation over HTTP POST; resolves with `data` or throws ModelplaneClientError. */
  request<R, V>(document: TypedDocumentNode<R, V>, ...args: VariablesArgs<V>): Promise<R>;
  /**
   * Subscribes over graphql-ws; every event's `data`, until the server completes the subscription
   * or the loop breaks (which unsubscribes). Errors end it with a ModelplaneClientError.
   */
  subscribe<R, V>(document: TypedDocumentNode<R, V>, ...args: SubscribeArgs<V>): AsyncIterableIterator<R>;
  /** Closes the subscription websocket, if one was opened. */
  close(): Promise<void>;
}

interface PreparedDocument {
  query: string;
  operationName?: string;
}

// Generated documents are module constants: print each once.
const prepared = new WeakMap<DocumentNode, PreparedDocument>();

function prepare(document: DocumentNode): PreparedDocument {
  let entry = prepared.get(document);
  if (!entry) {
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    entry = { query: print(document), operationName: operation?.name?.value };
    prepared.set(document, entry);
  }
  return entry;
}

export function websocketUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.toString();
}

// graphql-ws close codes the server uses to refuse a connection (connection_init not accepted).
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;

interface CloseLike {
  code: number;
  reason: string;
}

function isCloseEvent(value: unknown): value is CloseLike {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number' && 'reason' in value;
}

/** What graphql-ws throws (a CloseEvent, an error list, an Error or a socket ErrorEvent) as a ModelplaneClientError. */
function subscriptionError(url: string, err: unknown): ModelplaneClientError {
  if (err instanceof ModelplaneClientError) return err;
  if (Array.isArray(err)) return ModelplaneClientError.fromGraphQLErrors(err as GraphQLFormattedError[]);
  if (isCloseEvent(err)) {
    const why = err.reason ? `${err.code} ${err.reason}` : String(err.code);
    if (err.code === CLOSE_UNAUTHORIZED || err.code === CLOSE_FORBIDDEN) {
      return new ModelplaneClientError(`the server refused the subscription connection (${why}): check the API key and its role`, {
        code: err.code === CLOSE_UNAUTHORIZED ? 'UNAUTHENTICATED' : 'FORBIDDEN',
        cause: err,
      });
    }
    if (err.code === 1006) {
      return new ModelplaneClientError(`the websocket to ${url} closed abnormally (cannot reach the server?)`, {
        code: CLIENT_ERROR_CODES.network,
        cause: err,
      });
    }
    return new ModelplaneClientError(`the server closed the subscription websocket (${why})`, {
      code: CLIENT_ERROR_CODES.closed,
      cause: err,
    });
  }
  // The ws library's ErrorEvent (connection refused, DNS) carries the Error in `error`.
  const inner = (err as { error?: unknown } | null)?.error;
  return networkError(url, inner ?? err);
}

export function createClient(options: ClientOptions): ModelplaneClient {
  const { endpoint, apiKey, timeoutMs } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const wsUrl = options.websocketEndpoint ?? websocketUrl(endpoint);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...options.headers,
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };

  let ws: WsClient | undefined;
  let connected = false;
  const connectedListeners = new Set<() => void>();

  const websocket = (): WsClient => {
    ws ??= createWsClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      lazy: true,
      connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : undefined,
      retryAttempts: options.retryAttempts ?? 0,
      // Refused credentials will not work on a retry either.
      shouldRetry: (e) => isCloseEvent(e) && e.code !== CLOSE_FORBIDDEN && e.code !== CLOSE_UNAUTHORIZED,
      on: {
        connected: () => {
          connected = true;
          for (const listener of connectedListeners) listener();
        },
        closed: () => {
          connected = false;
        },
      },
    });
    return ws;
  };

  async function request<R, V>(document: TypedDocumentNode<R, V>, ...[variables]: VariablesArgs<V>): Promise<R> {
    const { query, operationName } = prepare(document);
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, operationName, variables: variables ?? {} }),
        signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
      });
      text = await response.text();
    } catch (err) {
      throw networkError(endpoint, err);
    }
    let body: FormattedExecutionResult<R> | undefined;
    try {
      body = JSON.parse(text) as FormattedExecutionResult<R>;
    } catch {
      // Not JSON: described below.
    }
    if (body?.errors?.length) {
      throw ModelplaneClientError.fromGraphQLErrors(body.errors, { status: response.status, data: body.data ?? undefined });
    }
    if (!response.ok || !body || typeof body !== 'object' || body.data == null) {
      const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
      throw new ModelplaneClientError(
        `unexpected answer from ${endpoint}: HTTP ${response.status}${snippet ? `: ${snippet}` : ' with an empty body'}`,
        { code: CLIENT_ERROR_CODES.badResponse, status: response.status },
      );
    }
    return body.data;
  }

  function subscribe<R, V>(
    document: TypedDocumentNode<R, V>,
    ...[variables, subscribeOptions]: SubscribeArgs<V>
  ): AsyncIterableIterator<R> {
    const { query, operationName } = prepare(document);
    const client = websocket();
    const onConnected = subscribeOptions?.onConnected;
    if (onConnected) {
      connectedListeners.add(onConnected);
      // Already connected for another subscription: this one is sent on the open socket.
      if (connected) queueMicrotask(onConnected);
    }
    const source = client.iterate<R>({ query, operationName, variables: (variables ?? {}) as Record<string, unknown> });
    // return() must end a next() that is still waiting for an event (graphql-ws leaves it pending).
    let finish!: () => void;
    const finished = new Promise<IteratorReturnResult<undefined>>((resolve) => (finish = () => resolve({ done: true, value: undefined })));
    let ended = false;
    const end = async (): Promise<IteratorReturnResult<undefined>> => {
      if (!ended) {
        ended = true;
        if (onConnected) connectedListeners.delete(onConnected);
        finish();
        await source.return?.();
      }
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<R> = {
      [Symbol.asyncIterator]: () => iterator,
      async next(): Promise<IteratorResult<R>> {
        try {
          for (;;) {
            if (ended) return { done: true, value: undefined };
            const step = await Promise.race([source.next(), finished]);
            if (step.done) return await end();
            const result = step.value;
            if (result.errors?.length) throw ModelplaneClientError.fromGraphQLErrors(result.errors, { data: result.data ?? undefined });
            if (result.data != null) return { done: false, value: result.data };
          }
        } catch (err) {
          await end();
          throw subscriptionError(wsUrl, err);
        }
      },
      return: end,
    };
    return iterator;
  }

  return {
    endpoint,
    request,
    subscribe,
    async close() {
      const current = ws;
      ws = undefined;
      connected = false;
      await current?.dispose();
    },
  };
}
