import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createApiKey, gql, startPlatform, type Platform } from '../support/processes';

/**
 * Websocket identity at the gateway, on a real platform with a real graphql-ws client: the
 * credentials are verified again on every subscribe and periodically (a revoked key is closed
 * with 4403), subscriptions are capped per connection and per key, and a browser's Origin must be
 * the gateway's own or one of CORS_ORIGINS.
 */
const EVENTS = 'subscription { modelEvents { kind } }';

interface Connection {
  client: Client;
  closed: Promise<number>;
  /** Resolves 'ok' once the subscription is live, or with the error code it was refused with. */
  subscribe(): Promise<string>;
}

describe('websocket identity at the gateway', () => {
  let db: TestDatabase;
  let platform: Platform;
  const clients: Client[] = [];

  const connect = (key: string): Connection => {
    let closedWith: (code: number) => void = () => undefined;
    const closed = new Promise<number>((resolve) => (closedWith = resolve));
    const client = createClient({
      url: platform.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      connectionParams: { authorization: `Bearer ${key}` },
      on: { closed: (e) => closedWith((e as { code: number }).code) },
    });
    clients.push(client);
    return {
      client,
      closed,
      subscribe: () =>
        new Promise<string>((resolve) => {
          // modelEvents sends nothing until a model changes: live means no refusal within a moment.
          const timer = setTimeout(() => resolve('ok'), 1500);
          client.subscribe(
            { query: EVENTS },
            {
              next: () => undefined,
              error: (err) => {
                clearTimeout(timer);
                const first = Array.isArray(err) ? (err[0] as { extensions?: { code?: string } }) : undefined;
                resolve(first?.extensions?.code ?? 'closed');
              },
              complete: () => undefined,
            },
          );
        }),
    };
  };

  const revoke = async (id: string) => {
    const res = await gql(platform.url, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id });
    expect(res.errors).toBeUndefined();
  };

  beforeAll(async () => {
    db = await createTestDatabase('e2e_websocket_auth');
    platform = await startPlatform(db.url, undefined, {
      AUTH_CACHE_SECONDS: '1',
      WEBSOCKET_REAUTH_MS: '3000',
      SUBSCRIPTIONS_PER_CONNECTION: '2',
      SUBSCRIPTIONS_PER_KEY: '3',
      CORS_ORIGINS: 'https://app.example',
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await platform?.stop();
    await db?.drop();
  });

  it('a revoked key loses its open websocket within the re-verification interval (4403)', async () => {
    const key = await createApiKey(platform.url, 'viewer', 'ws-revoked-later');
    const conn = connect(key.key);
    expect(await conn.subscribe()).toBe('ok');
    const revokedAt = Date.now();
    await revoke(key.id);
    expect(await conn.closed).toBe(4403);
    // WEBSOCKET_REAUTH_MS 3 s plus AUTH_CACHE_SECONDS 1 s, with room.
    expect(Date.now() - revokedAt).toBeLessThan(8000);
  });

  it('a subscribe after revocation is refused at once and closes the connection (4403)', async () => {
    const key = await createApiKey(platform.url, 'viewer', 'ws-revoked-now');
    const conn = connect(key.key);
    expect(await conn.subscribe()).toBe('ok');
    await revoke(key.id);
    await new Promise((r) => setTimeout(r, 1100)); // the gateway's key cache (1 s) expires
    const started = Date.now();
    void conn.subscribe();
    expect(await conn.closed).toBe(4403);
    // Well before the next periodic check (3 s after the connection opened, ~0.5 s from here at the earliest).
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('subscriptions are capped per connection and per key (RATE_LIMITED)', async () => {
    const key = await createApiKey(platform.url, 'viewer', 'ws-capped');
    const first = connect(key.key);
    expect([await first.subscribe(), await first.subscribe()]).toEqual(['ok', 'ok']);
    expect(await first.subscribe()).toBe('RATE_LIMITED'); // a third on one connection
    const second = connect(key.key);
    expect(await second.subscribe()).toBe('ok');
    expect(await second.subscribe()).toBe('RATE_LIMITED'); // a fourth for the key
    // Another key is not affected.
    const other = connect((await createApiKey(platform.url, 'viewer', 'ws-other')).key);
    expect(await other.subscribe()).toBe('ok');
  });

  it('a browser may connect only from the gateway’s own origin or CORS_ORIGINS', async () => {
    const handshake = (origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(platform.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: origin ? { origin } : {} });
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await handshake('https://evil.example')).toBe(403);
    expect(await handshake('null')).toBe(403);
    expect(await handshake('https://app.example')).toBe(101);
    expect(await handshake(new URL(platform.url).origin)).toBe(101);
    expect(await handshake()).toBe(101);
  });
});
