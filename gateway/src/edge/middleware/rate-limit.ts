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

/** Takes from a bucket, or refuses with RATE_LIMITED (429) and Retry-After. */
export function take(limiter: RateLimiter, key: string): void {
  const retryAfter = limiter.take(key);
  if (retryAfter !== null) throw refusal(new RateLimitedError(retryAfter), { 'retry-after': String(retryAfter) });
}

/** The caller's rate limit (after authentication: the bucket is the key's, or the address's when anonymous). */
export function rateLimit(limiter: RateLimiter): EdgeCheck {
  return (req, edge) => take(limiter, callerKey(edge.identity, req));
}
