import { GraphQLError } from 'graphql';
import type { Authenticator } from '../../auth/authenticator';
import type { RateLimiter } from '../rate-limiter';
import { refusal } from '../refusal';
import type { EdgeCheck } from './edge-check';
import { callerKey, take } from './rate-limit';

/**
 * Who is calling (API key or JWT in `Authorization`; none: anonymous, whose rights the later
 * checks decide). Credentials that do not verify are refused, and count against the address, so
 * guessing keys is slow too.
 */
export function authentication(authenticator: Authenticator, limiter: RateLimiter): EdgeCheck {
  return async (req, edge) => {
    try {
      edge.identity = await authenticator.authenticate(req.headers.authorization);
    } catch (err) {
      take(limiter, callerKey(null, req));
      throw err instanceof GraphQLError ? refusal(err) : err;
    }
  };
}
