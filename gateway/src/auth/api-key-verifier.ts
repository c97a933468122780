import { createHash } from 'node:crypto';
import { isRole, SubgraphUnavailableError, UnauthenticatedError, type Identity, type Logger, type ServiceHeaders } from '@modelplane/core';

/** Cached outcomes of verifying one key: its identity, or null for an unknown or revoked key. */
interface Entry {
  identity: Identity | null;
  expires: number;
}

const MAX_ENTRIES = 10_000;

export interface ApiKeyVerifierOptions {
  /** The registry's base URL (its GraphQL URL without /graphql). */
  registryBase: string;
  /** The gateway's signed identity: the registry's internal routes refuse unsigned calls. */
  headers: ServiceHeaders;
  /** AUTH_CACHE_SECONDS in ms: how long an answer is reused (0: every request asks). */
  cacheMs: number;
  timeoutMs: number;
  logger: Logger;
}

/**
 * API keys are owned by the registry; the gateway asks it (POST /internal/keys/verify) and keeps
 * each answer for AUTH_CACHE_SECONDS, keyed by the SHA-256 of the key (never the key itself).
 * So a revoked key is refused by every replica within that time. Concurrent first uses of a key
 * share one request; failures (registry down) are not cached.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Identity | null>>();

  constructor(private readonly options: ApiKeyVerifierOptions) {}

  async verify(key: string, now = Date.now()): Promise<Identity> {
    const digest = createHash('sha256').update(key).digest('hex');
    const cached = this.cache.get(digest);
    let identity: Identity | null;
    if (cached && cached.expires > now) identity = cached.identity;
    else {
      let pending = this.inFlight.get(digest);
      if (!pending) {
        pending = this.ask(key).finally(() => this.inFlight.delete(digest));
        this.inFlight.set(digest, pending);
      }
      identity = await pending;
      if (this.options.cacheMs > 0) this.remember(digest, { identity, expires: now + this.options.cacheMs });
    }
    if (!identity) throw new UnauthenticatedError('invalid API key (unknown or revoked)');
    return identity;
  }

  private remember(digest: string, entry: Entry): void {
    this.cache.delete(digest);
    if (this.cache.size >= MAX_ENTRIES) {
      // Bounded however many distinct (e.g. random) keys arrive: the oldest tenth goes.
      let drop = MAX_ENTRIES / 10;
      for (const k of this.cache.keys()) {
        if (drop-- <= 0) break;
        this.cache.delete(k);
      }
    }
    this.cache.set(digest, entry);
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
