import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext, ContextFunction } from '@apollo/server';
import { expressMiddleware, type ExpressContextFunctionArgument } from '@as-integrations/express5';
import express from 'express';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface HttpServiceOptions<TContext extends BaseContext> {
  name: string;
  logger: Logger;
  metrics: Metrics;
  host: string;
  port: number;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  /** Extra readiness condition (database reachable, supergraph loaded…). */
  ready: () => Promise<boolean>;
  /** Apollo Server built around the HTTP server so its drain plugin can close it. */
  apollo: (httpServer: Server) => ApolloServer<TContext>;
  context: ContextFunction<[ExpressContextFunctionArgument], TContext>;
  /** Serve GET / as a redirect to the GraphQL endpoint (where the landing page lives). */
  redirectRoot?: boolean;
  /** Extra HTTP routes (e.g. artifact downloads), mounted before /graphql. */
  routes?: (app: express.Express) => void;
  /** Hook for extra protocols on the same server (e.g. graphql-ws). */
  attach?: (httpServer: Server) => void;
  /** Runs after HTTP has drained: close pools, flush buffers. */
  onClose?: () => Promise<void>;
}

export interface RunningService {
  name: string;
  port: number;
  url: string;
  httpServer: Server;
  /** Stops taking requests, waits for in-flight ones, then runs onClose. Idempotent. */
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
  const httpServer = createServer(app);
  const apollo = options.apollo(httpServer);
  let draining = false;

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  app.get('/health/ready', async (_req, res) => {
    const ok = !draining && (await options.ready().catch(() => false));
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : draining ? 'draining' : 'not ready', service: options.name });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  if (options.redirectRoot) app.get('/', (_req, res) => res.redirect('/graphql'));

  options.routes?.(app);
  await apollo.start();
  app.use('/graphql', express.json({ limit: options.bodyLimit }), expressMiddleware(apollo, { context: options.context }));
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
      const code = err.type === 'entity.too.large' ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL';
      if (status >= 500) logger.error({ err }, 'unhandled HTTP error');
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
  const url = `http://${options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host}:${port}/graphql`;
  logger.info({ url }, `${options.name} ready`);

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    port,
    url,
    httpServer,
    stop() {
      stopping ??= (async () => {
        draining = true;
        logger.info(`${options.name} draining`);
        await apollo.stop();
        await options.onClose?.();
        logger.info(`${options.name} stopped`);
      })();
      return stopping;
    },
  };
}
