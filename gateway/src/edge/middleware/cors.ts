import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * CORS for browsers on other origins (CORS_ORIGINS; none by default: same origin only). Apollo
 * Server's CSRF prevention stays on: a cross-origin "simple" request is still refused.
 */
export function cors(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origin || !(any || allowed.has(origin))) {
      if (req.method === 'OPTIONS' && origin) return void res.status(403).end();
      return next();
    }
    res.setHeader('access-control-allow-origin', any ? '*' : origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader(
        'access-control-allow-headers',
        'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, traceparent, tracestate, x-request-id',
      );
      res.setHeader('access-control-max-age', '600');
      return void res.status(204).end();
    }
    next();
  };
}
