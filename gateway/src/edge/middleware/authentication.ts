import { GraphQLError } from 'graphql';
import type { Authenticator } from '../../auth/authenticator';
import type { EdgeRequest, EdgeState } from '../edge-state';
import type { RateLimiter } from '../rate-limiter';
import { Refusal, refusal } from '../refusal';
import type { EdgeCheck } from './edge-check';
import { callerKey, take } from './rate-limit';

/**
 * Who is calling, from `Authorization` (API key or JWT; none: anonymous, whose rights the later
 * checks decide). An API key that needs a registry request takes from the address's bucket
 * first (so unknown keys cost the caller, not the registry); credentials that do not verify are
 * refused, and count against the address too, so guessing keys is slow.
 */
export async function authenticateCaller(
  authenticator: Authenticator,
  limiter: RateLimiter,
  req: EdgeRequest,
  edge: EdgeState,
): Promise<void> {
  try {
    edge.identity = await authenticator.authenticate(req.headers.authorization, () => take(limiter, callerKey(null, req)));
    edge.authenticated = true;
  } catch (err) {
    if (err instanceof Refusal) throw err;
    take(limiter, callerKey(null, req));
    throw err instanceof GraphQLError ? refusal(err) : err;
  }
}

/** Authentication as a check after the body (unless the body limit already authenticated the caller). */
export function authentication(authenticator: Authenticator, limiter: RateLimiter): EdgeCheck {
  return async (req, edge) => {
    if (!edge.authenticated) await authenticateCaller(authenticator, limiter, req, edge);
  };
}
