import { ErrorCode, highestRole, UnauthenticatedError, type Logger } from '@modelplane/core';
import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import { RateLimiter } from '../edge/rate-limiter';

/**
 * GET /console/session: who the `Authorization` credential belongs to (subject and role), so the
 * console can say "wrong key" at login and hide actions a viewer may not take. The credential is
 * verified exactly as for GraphQL (API key or JWT); failures count per address and are refused with
 * 429 beyond `failuresPerMinute`, so the route is no faster a key oracle than /graphql.
 */
export function consoleSession(authenticator: Authenticator, logger: Logger, failuresPerMinute = 30): RequestHandler {
  const failures = new RateLimiter(failuresPerMinute / 60, failuresPerMinute);
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const address = req.socket.remoteAddress ?? 'unknown';
    try {
      const identity = await authenticator.authenticate(req.headers.authorization);
      const role = identity && highestRole(identity.roles);
      if (!identity || !role) throw new UnauthenticatedError('an API key or JWT is required');
      res.json({ subject: identity.subject, role });
    } catch (err) {
      if (!(err instanceof GraphQLError) || err.extensions.code !== ErrorCode.UNAUTHENTICATED) {
        // The registry is unreachable (a coded, client-safe message) or something unexpected (logged, not shown).
        if (!(err instanceof GraphQLError)) logger.error({ err }, 'console session check failed');
        res.status(503).json({ error: err instanceof GraphQLError ? err.message : 'credentials cannot be checked right now' });
        return;
      }
      const retryAfter = failures.take(address);
      if (retryAfter !== null) {
        res.setHeader('Retry-After', String(retryAfter));
        res.status(429).json({ error: `too many failed logins: retry in ${retryAfter} s` });
        return;
      }
      res.status(401).json({ error: err.message });
    }
  };
}
