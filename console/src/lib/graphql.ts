// One urql client per login: queries and mutations over HTTP POST to /graphql, subscriptions over
// graphql-ws on the same origin. No cache exchange: documents go out exactly as generated, so
// their SHA-256 is the trusted-documents manifest id (TRUSTED_DOCUMENTS=allow-list works).
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { authorizationHeader } from './session';

export type LinkState = 'connecting' | 'connected' | 'reconnecting';

/** The websocket's state, for the "reconnecting" banner (useSyncExternalStore). */
export class LinkStatus {
  private state: LinkState = 'connecting';
  private readonly listeners = new Set<() => void>();

  get = (): LinkState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

export interface ConsoleClient {
  client: Client;
  ws: WsClient;
  status: LinkStatus;
}

function graphqlUrl(protocol: 'http' | 'ws'): string {
  const url = new URL('/graphql', window.location.href);
  if (protocol === 'ws') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function createConsoleClient(credential: string | null): ConsoleClient {
  const status = new LinkStatus();
  const ws = createWsClient({
    url: graphqlUrl('ws'),
    connectionParams: () => authorizationHeader(credential),
    // Stay connected (the banner shows the state) and retry for as long as the page is open.
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 5000))),
    on: {
      connected: () => status.set('connected'),
      closed: () => status.set('reconnecting'),
      error: () => status.set('reconnecting'),
    },
  });
  const client = new Client({
    url: graphqlUrl('http'),
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: authorizationHeader(credential) }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, ws, status };
}
