import { isIP } from 'node:net';
import { RateLimitedError, type Identity } from '@modelplane/core';
import type { EdgeRequest } from '../edge-state';
import type { RateLimiter } from '../rate-limiter';
import { refusal } from '../refusal';
import type { EdgeCheck } from './edge-check';

/** Whose bucket a request takes from: its API key, its JWT subject, else its address. */
export function callerKey(identity: Identity | null, req: EdgeRequest | undefined): string {
  if (identity?.keyId) return `key:${identity.keyId}`;
  if (identity && identity.subject !== 'anonymous') return `sub:${identity.subject}`;
  const address = req?.socket.remoteAddress ?? '';
  return `ip:${isIP(address) ? address : 'unknown'}`;
}

/** Takes `cost` units from a bucket, or refuses with RATE_LIMITED (429) and Retry-After. */
export function take(limiter: RateLimiter, key: string, cost = 1): void {
  const retryAfter = limiter.take(key, Date.now(), cost);
  if (retryAfter !== null) throw refusal(new RateLimitedError(retryAfter), { 'retry-after': String(retryAfter) });
}

/**
 * The caller's rate limit, in cost units (after authentication: the bucket is the key's, or the
 * address's when anonymous). Every request takes one unit here, before its document is parsed,
 * so a flood is refused cheaply.
 */
export function rateLimit(limiter: RateLimiter): EdgeCheck {
  return (req, edge) => take(limiter, callerKey(edge.identity, req));
}

/**
 * …and, once it passed its checks, the rest of what it costs: the operation's estimated cost
 * (as MAX_QUERY_COST counts it: each field 1, lists by their size, `predictBatch` its rows), so
 * a 10 000-row batch takes what 10 000 single-row predictions take.
 */
export function costRateLimit(limiter: RateLimiter): EdgeCheck {
  // The unit taken first counts towards it; a request costing more than a full bucket takes a full bucket.
  return (req, edge) => take(limiter, callerKey(edge.identity, req), Math.min(edge.cost ?? 1, limiter.burst) - 1);
}
