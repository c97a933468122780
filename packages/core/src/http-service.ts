import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ApolloServer, BaseContext, ContextFunction } from '@apollo/server';
import { expressMiddleware, type ExpressContextFunctionArgument } from '@as-integrations/express5';
import express from 'express';
import { connectionDrain } from './connection-drain';
import { ErrorCode } from './errors';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface HttpServiceOptions<TContext extends BaseContext> {
  name: string;
  logger: Logger;
  metrics: Metrics;
  host: string;
  port: number;
  /** Largest accepted request body in bytes (or per request: the gateway reads larger ones only from callers who may upload). */
  bodyLimit: number | ((req: express.Request) => number);
  /** Extra readiness condition (database reachable, supergraph loaded…). */
  ready: () => Promise<boolean>;
  /**
   * Apollo Server built around the HTTP server so its drain plugin can close it, and the context
   * of its operations. Without them the service has no /graphql, only health and metrics (a
   * training worker), and stop() closes the HTTP server itself.
   */
  apollo?: (httpServer: Server) => ApolloServer<TContext>;
  context?: ContextFunction<[ExpressContextFunctionArgument], TContext>;
  /** Serve GET / as a redirect to the GraphQL endpoint (where the landing page lives). */
  redirectRoot?: boolean;
  /** Extra HTTP routes (e.g. artifact downloads), mounted before /graphql. */
  routes?: (app: express.Express) => void;
  /** Hook for extra protocols on the same server (e.g. graphql-ws). */
  attach?: (httpServer: Server) => void;
  /** Middleware on /graphql before the body is read (CORS, request ids, timeouts). */
  beforeBody?: express.RequestHandler[];
  /** Middleware between the JSON body parser and Apollo Server on /graphql (auth, limits, fast path). */
  beforeGraphQL?: express.RequestHandler[];
  /**
   * Runs first on stop, before HTTP drains: long-lived connections (websockets) get a proper
   * close frame here; the drain would otherwise end their TCP connections without one.
   */
  beforeDrain?: () => Promise<void>;
  /** Runs after HTTP has drained: close pools, flush buffers. */
  onClose?: () => Promise<void>;
}

export interface RunningService {
  name: string;
  port: number;
  url: string;
  httpServer: Server;
  /**
   * Stops taking requests (a request that begins later is refused with SHUTTING_DOWN unexecuted),
   * waits for the ones received, then runs onClose. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * One HTTP server per service: GraphQL at /graphql, /health/live, /health/ready, /metrics.
 * Shared by the gateway and every subgraph so they behave the same under probes and shutdown.
 */
export async function startHttpService<TContext extends BaseContext>(options: HttpServiceOptions<TContext>): Promise<RunningService> {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  // Every request passes the per-connection drain first: after SIGTERM it decides which are
  // still served and which response closes its connection.
  const drain = connectionDrain(app);
  const httpServer = createServer(drain.listener);
  const apollo = options.apollo?.(httpServer);

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  app.get('/health/ready', async (_req, res) => {
    const ok = !drain.draining && (await options.ready().catch(() => false));
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : drain.draining ? 'draining' : 'not ready', service: options.name });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  if (options.redirectRoot) app.get('/', (_req, res) => res.redirect('/graphql'));

  options.routes?.(app);
  if (apollo) {
    if (!options.context) throw new Error(`${options.name}: an Apollo Server needs its context function`);
    await apollo.start();
    // The raw bytes stay on the request: the gateway's fast path forwards them unchanged.
    const parsers = new Map<number, express.RequestHandler>();
    const parser = (limit: number) => {
      let p = parsers.get(limit);
      if (!p) parsers.set(limit, (p = express.json({ limit, verify: (req, _res, buf) => Object.assign(req, { rawBody: buf }) })));
      return p;
    };
    const { bodyLimit } = options;
    const jsonBody: express.RequestHandler =
      typeof bodyLimit === 'number' ? parser(bodyLimit) : (req, res, next) => parser(bodyLimit(req))(req, res, next);
    app.use(
      '/graphql',
      ...(options.beforeBody ?? []),
      jsonBody,
      ...(options.beforeGraphQL ?? []),
      expressMiddleware(apollo, { context: options.context }),
    );
  }
  // Malformed JSON or an oversized body: answer in GraphQL's shape with a code, not an HTML page.
  app.use(
    (
      err: { status?: number; type?: string; message?: string },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (!err) return next();
      const status = err.status ?? 500;
      const code = err.type === 'entity.too.large' ? ErrorCode.PAYLOAD_TOO_LARGE : status < 500 ? 'BAD_REQUEST' : ErrorCode.INTERNAL;
      if (status >= 500) logger.error({ err }, 'unhandled HTTP error');
      if (res.headersSent) return;
      res
        .status(status)
        .json({ errors: [{ message: status < 500 ? (err.message ?? 'bad request') : 'internal error', extensions: { code } }] });
    },
  );
  options.attach?.(httpServer);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host}:${port}${apollo ? '/graphql' : '/health/ready'}`;
  logger.info({ url }, `${options.name} ready`);

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    port,
    url,
    httpServer,
    stop() {
      stopping ??= (async () => {
        drain.start(httpServer);
        logger.info(`${options.name} draining`);
        await options.beforeDrain?.().catch((err: unknown) => logger.error({ err }, 'closing long-lived connections failed'));
        if (apollo) await apollo.stop();
        else {
          await new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            httpServer.closeIdleConnections();
          });
        }
        await options.onClose?.();
        logger.info(`${options.name} stopped`);
      })();
      return stopping;
    },
  };
}

export interface WebSocketEndpoint {
  wss: WebSocketServer;
  /**
   * Sends every open socket a close frame, waits up to timeoutMs for the closing handshakes,
   * then terminates the rest. New connections are still accepted.
   */
  disconnectAll(code: number, reason: string, timeoutMs: number): Promise<void>;
  /** Refuses new upgrades, then disconnects everyone with 1001 (going away). */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Websockets on an HTTP server's own port and path (GraphQL over WebSocket shares /graphql with
 * HTTP POST). Upgrades to any other path, or after close, are refused with a plain HTTP status.
 */
export function webSocketEndpoint(
  httpServer: Server,
  path: string,
  maxPayloadBytes: number,
  /** Refuses a handshake (403) when false, e.g. a browser's Origin the gateway does not allow. */
  allowUpgrade: (req: IncomingMessage) => boolean = () => true,
): WebSocketEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPayloadBytes });
  let closing = false;
  httpServer.on('upgrade', (req, socket, head) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (closing || pathname !== path) {
      const status = closing ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (!allowUpgrade(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const disconnectAll = async (code: number, reason: string, timeoutMs: number) => {
    await Promise.all(
      [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, timeoutMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(code, reason);
          }),
      ),
    );
  };
  return {
    wss,
    disconnectAll,
    async close(timeoutMs) {
      closing = true;
      await disconnectAll(1001, 'server shutting down', timeoutMs);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
