import { createHash } from 'node:crypto';
import { isRole, SubgraphUnavailableError, UnauthenticatedError, type Identity, type Logger, type ServiceHeaders } from '@modelplane/core';

import { LruCache } from '../lru-cache';

/** A cached verification of a valid key. */
interface Entry {
  identity: Identity;
  expires: number;
}

const MAX_ENTRIES = 10_000;
/** API keys as issued (`mp_<id>_<secret>`) or configured (MODELPLANE_ADMIN_KEY, 24+ characters). */
const KEY_SHAPE = /^[!-~]{24,512}$/;

/** Whether a token can be an API key at all (anything else is refused without asking the registry). */
export function isWellFormedApiKey(token: string): boolean {
  return KEY_SHAPE.test(token);
}

export interface ApiKeyVerifierOptions {
  /** The registry's base URL (its GraphQL URL without /graphql). */
  registryBase: string;
  /** The gateway's signed identity: the registry's internal routes refuse unsigned calls. */
  headers: ServiceHeaders;
  /** AUTH_CACHE_SECONDS in ms: how long an answer is reused (0: every request asks). */
  cacheMs: number;
  timeoutMs: number;
  logger: Logger;
  /** Valid keys kept (default 10 000), and separately unknown or revoked ones (default the same). */
  maxEntries?: number;
  maxNegativeEntries?: number;
}

/**
 * API keys are owned by the registry; the gateway asks it (POST /internal/keys/verify) and keeps
 * each answer for AUTH_CACHE_SECONDS, keyed by the SHA-256 of the key (never the key itself).
 * So a revoked key is refused by every replica within that time. Concurrent first uses of a key
 * share one request; failures (registry down) are not cached. A token that cannot be a key is
 * refused without a request; unknown keys are remembered apart from valid ones (least recently
 * used first out, each bounded), so a stream of random keys never evicts the valid ones.
 */
export class ApiKeyVerifier {
  private readonly valid: LruCache<Entry>;
  private readonly unknown: LruCache<number>;
  private readonly inFlight = new Map<string, Promise<Identity | null>>();

  constructor(private readonly options: ApiKeyVerifierOptions) {
    this.valid = new LruCache(options.maxEntries ?? MAX_ENTRIES);
    this.unknown = new LruCache(options.maxNegativeEntries ?? MAX_ENTRIES);
  }

  /** The key's identity; `beforeLookup` runs (and may refuse, e.g. rate limit) before the registry is asked. */
  async verify(key: string, now = Date.now(), beforeLookup?: () => void): Promise<Identity> {
    if (!isWellFormedApiKey(key)) throw new UnauthenticatedError('malformed API key');
    const digest = createHash('sha256').update(key).digest('hex');
    const cached = this.valid.get(digest);
    if (cached && cached.expires > now) return cached.identity;
    const unknownUntil = this.unknown.get(digest);
    if (unknownUntil !== undefined && unknownUntil > now) throw new UnauthenticatedError('invalid API key (unknown or revoked)');
    let pending = this.inFlight.get(digest);
    if (!pending) {
      beforeLookup?.();
      pending = this.ask(key).finally(() => this.inFlight.delete(digest));
      this.inFlight.set(digest, pending);
    }
    const identity = await pending;
    const expires = now + this.options.cacheMs;
    if (!identity) {
      if (this.options.cacheMs > 0) this.unknown.set(digest, expires);
      throw new UnauthenticatedError('invalid API key (unknown or revoked)');
    }
    if (this.options.cacheMs > 0) this.valid.set(digest, { identity, expires });
    return identity;
  }

  private async ask(key: string): Promise<Identity | null> {
    let res: Response;
    try {
      res = await fetch(`${this.options.registryBase}/internal/keys/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.options.headers() },
        body: JSON.stringify({ key }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      this.options.logger.warn({ err }, 'cannot reach the registry to verify an API key');
      throw new SubgraphUnavailableError('API keys cannot be verified right now (the registry is unavailable)', {
        serviceName: 'registry',
      });
    }
    if (res.status === 401) return null;
    const body = (await res.json().catch(() => null)) as { keyId?: unknown; name?: unknown; role?: unknown } | null;
    if (!res.ok || !body || typeof body.keyId !== 'string' || typeof body.name !== 'string' || !isRole(body.role)) {
      this.options.logger.warn({ status: res.status }, 'the registry could not verify an API key');
      throw new SubgraphUnavailableError('API keys cannot be verified right now (the registry answered an error)', {
        serviceName: 'registry',
      });
    }
    return { subject: `key:${body.name}`, roles: [body.role], keyId: body.keyId };
  }
}
