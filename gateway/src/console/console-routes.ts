import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type Config, type Logger } from '@modelplane/core';
import express from 'express';
import type { Authenticator } from '../auth/authenticator';
import { consoleSession } from './console-session';
import { graphiqlPage } from './graphiql-page';
import { CONSOLE_CSP, GRAPHIQL_CSP, setSecurityHeaders } from './security-headers';

/** Where `npm run build` (scripts/build.mjs, Vite) writes the console's static assets. */
export const CONSOLE_DIST = join(repoRoot, 'console', 'dist');

export interface ConsoleRoutesOptions {
  config: Config;
  logger: Logger;
  authenticator: Authenticator;
  /** The built console (default CONSOLE_DIST). */
  distDir?: string;
}

/**
 * The gateway's browser-facing routes, mounted before /graphql:
 *   /console/…   the web console (static files, strict CSP) and /console/session (who a key is);
 *   /graphiql    GraphiQL with inlined assets, when SANDBOX is on (beside Sandbox, which needs the internet);
 *   /            redirects to /console/ in local mode (to /graphql's explorer otherwise, if on);
 *   GET /graphql from a browser (text/html, no query) redirects to /graphiql when EXPLORER=graphiql.
 */
export function mountConsoleRoutes(app: express.Express, options: ConsoleRoutesOptions): void {
  const { config, logger } = options;
  const dist = options.distDir ?? CONSOLE_DIST;
  const consoleOn = config.CONSOLE;

  app.get('/', (_req, res, next) => {
    if (consoleOn && config.MODELPLANE_MODE === 'local') return res.redirect(302, '/console/');
    if (config.SANDBOX) return res.redirect(302, '/graphql');
    next();
  });

  if (config.SANDBOX) {
    let html: string | undefined;
    app.get('/graphiql', (_req, res) => {
      html ??= graphiqlPage();
      setSecurityHeaders(res, GRAPHIQL_CSP);
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(html);
    });
  }
  if (config.SANDBOX && config.EXPLORER === 'graphiql') {
    app.get('/graphql', (req, res, next) => {
      const browser = req.accepts(['application/json', 'text/html']) === 'text/html';
      if (browser && req.query.query === undefined) return res.redirect(302, '/graphiql');
      next();
    });
  }

  if (!consoleOn) return;
  app.get('/console/session', consoleSession(options.authenticator, logger));
  const index = join(dist, 'index.html');
  // Express matches /console and /console/ alike: relative URLs need the slash, so add it.
  const sendIndex: express.RequestHandler = (req, res) => {
    if (req.originalUrl.split('?')[0] === '/console') return res.redirect(301, '/console/');
    setSecurityHeaders(res, CONSOLE_CSP);
    res.setHeader('Cache-Control', 'no-cache');
    if (!existsSync(index)) {
      res.status(503).type('text').send('The console is not built: run npm run build.');
      return;
    }
    res.sendFile(index);
    return undefined;
  };
  app.get('/console/', sendIndex);
  app.use(
    '/console/assets',
    (_req, res, next) => {
      setSecurityHeaders(res, CONSOLE_CSP);
      next();
    },
    // Vite puts a content hash in every asset name: they never change, cache them for good.
    express.static(join(dist, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false, dotfiles: 'deny' }),
  );
}
