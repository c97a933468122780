import { createHmac, createPublicKey, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { highestRole, UnauthenticatedError, type Config, type Identity, type Logger } from '@modelplane/core';

/** Tokens from a clock this far ahead (or expired this recently) are still accepted. */
const CLOCK_SKEW_SECONDS = 30;
/** An unknown `kid` re-reads the JWKS (file or URL) at most this often (key rotation without a restart). */
const JWKS_RELOAD_MS = 60_000;
/** Until a JWKS URL has answered once, it is tried again at most this often. */
const JWKS_RETRY_MS = 5_000;
/** Keys from a JWKS URL older than this are refreshed in the background (a withdrawn key stops working). */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_FETCH_TIMEOUT_MS = 5_000;

type Jwks = { keys?: Array<JsonWebKey & { kid?: string; use?: string; alg?: string }> };

export interface JwtVerifierTimings {
  reloadMs?: number;
  retryMs?: number;
  maxAgeMs?: number;
}

interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  typ?: unknown;
}

interface JwtClaims {
  sub?: unknown;
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
  role?: unknown;
  roles?: unknown;
}

function decodeJson<T>(part: string): T {
  const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  return value as T;
}

const refused = (why: string) => new UnauthenticatedError(`invalid token: ${why}`);

/**
 * JWT verification with node:crypto alone (no dependency): HS256 with JWT_HS256_SECRET, RS256
 * with the keys of the JWKS file at JWKS_PATH or the identity provider's JWKS_URL (fetched at
 * start, again for an unknown `kid` at most once a minute, and in the background when older than
 * ten minutes; a provider that is down leaves the keys fetched before in use). `alg` must be one of those two (never `none`),
 * `exp` is required, `nbf` honoured, `iss` and `aud` must match JWT_ISSUER and JWT_AUDIENCE. The
 * caller is `sub`, with the strongest known role of the `role` or `roles` claim.
 */
export class JwtVerifier {
  private rsaKeys = new Map<string, KeyObject>();
  /** Last attempt to read the JWKS, and last success (URL only). */
  private jwksLoadedAt = 0;
  private jwksFetchedAt = 0;
  private jwksFetch: Promise<void> | undefined;
  private readonly timings: Required<JwtVerifierTimings>;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    timings: JwtVerifierTimings = {},
  ) {
    this.timings = { reloadMs: JWKS_RELOAD_MS, retryMs: JWKS_RETRY_MS, maxAgeMs: JWKS_MAX_AGE_MS, ...timings };
    if (config.JWKS_PATH) this.loadJwksFile();
    // Not awaited: the gateway starts while the identity provider is down; RS256 tokens are
    // refused until its keys arrive.
    if (config.JWKS_URL) void this.refreshJwks();
  }

  /** Resolves once the JWKS URL has been tried (for start-up logs and tests). */
  async ready(): Promise<void> {
    await this.jwksFetch;
  }

  /** Whether this looks like a JWT (three base64url parts) rather than an API key. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) && token.startsWith('eyJ');
  }

  get enabled(): boolean {
    return !!(this.config.JWT_HS256_SECRET || this.config.JWKS_PATH || this.config.JWKS_URL);
  }

  /** The caller a token names; rejects with UnauthenticatedError for anything not fully valid. */
  async verify(token: string, nowMs = Date.now()): Promise<Identity> {
    if (!this.enabled) throw new UnauthenticatedError('JWTs are not accepted here (no JWT_HS256_SECRET, JWKS_PATH or JWKS_URL)');
    const [encodedHeader, encodedClaims, encodedSignature] = token.split('.') as [string, string, string];
    let header: JwtHeader;
    let claims: JwtClaims;
    try {
      header = decodeJson<JwtHeader>(encodedHeader);
      claims = decodeJson<JwtClaims>(encodedClaims);
    } catch {
      throw refused('malformed');
    }
    const signed = Buffer.from(`${encodedHeader}.${encodedClaims}`);
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (header.alg === 'HS256' && this.config.JWT_HS256_SECRET) {
      const expected = createHmac('sha256', this.config.JWT_HS256_SECRET).update(signed).digest();
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw refused('bad signature');
    } else if (header.alg === 'RS256' && (this.config.JWKS_PATH || this.config.JWKS_URL)) {
      const key = await this.rsaKey(typeof header.kid === 'string' ? header.kid : undefined);
      if (!key || !verify('RSA-SHA256', signed, key, signature)) throw refused('bad signature');
    } else {
      throw refused(`algorithm ${JSON.stringify(header.alg)} is not accepted`);
    }
    return this.identity(claims, nowMs / 1000);
  }

  private identity(claims: JwtClaims, now: number): Identity {
    if (typeof claims.exp !== 'number') throw refused('no exp claim');
    if (now > claims.exp + CLOCK_SKEW_SECONDS) throw refused('expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now + CLOCK_SKEW_SECONDS < claims.nbf)) {
      throw refused('not valid yet');
    }
    if (claims.iss !== this.config.JWT_ISSUER) throw refused('wrong issuer');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.config.JWT_AUDIENCE)) throw refused('wrong audience');
    if (typeof claims.sub !== 'string' || !claims.sub || claims.sub.length > 190) throw refused('no usable sub claim');
    const claimed = Array.isArray(claims.roles) ? claims.roles : [claims.role];
    const role = highestRole(claimed);
    if (!role) throw refused('no role or roles claim naming viewer, operator or admin');
    return { subject: claims.sub, roles: [role] };
  }

  private async rsaKey(kid: string | undefined): Promise<KeyObject | undefined> {
    const find = () => (kid ? this.rsaKeys.get(kid) : this.rsaKeys.size === 1 ? [...this.rsaKeys.values()][0] : undefined);
    let key = find();
    const now = Date.now();
    if (!key && now - this.jwksLoadedAt >= (this.rsaKeys.size ? this.timings.reloadMs : this.timings.retryMs)) {
      if (this.config.JWKS_URL) await this.refreshJwks();
      else {
        try {
          this.loadJwksFile();
        } catch (err) {
          this.logger.warn({ err }, 'cannot re-read the JWKS file; keeping the keys read before');
        }
      }
      key = find();
    } else if (key && this.config.JWKS_URL && now - this.jwksFetchedAt > this.timings.maxAgeMs && !this.jwksFetch) {
      void this.refreshJwks();
    }
    return key;
  }

  /** One fetch of the JWKS URL at a time; failures keep the keys fetched before. */
  private refreshJwks(): Promise<void> {
    this.jwksFetch ??= this.fetchJwks().finally(() => (this.jwksFetch = undefined));
    return this.jwksFetch;
  }

  private async fetchJwks(): Promise<void> {
    const url = this.config.JWKS_URL;
    this.jwksLoadedAt = Date.now();
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.rsaKeys = this.keysOf((await res.json()) as Jwks, url);
      this.jwksFetchedAt = Date.now();
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, url, keys: this.rsaKeys.size },
        'cannot fetch the JWKS; keeping the keys fetched before',
      );
    }
  }

  private loadJwksFile(): void {
    this.jwksLoadedAt = Date.now();
    let jwks: Jwks;
    try {
      jwks = JSON.parse(readFileSync(this.config.JWKS_PATH, 'utf8')) as Jwks;
    } catch (err) {
      // At start-up this is fatal (the constructor throws); later, the previous keys stay.
      if (!this.rsaKeys.size) throw new Error(`cannot read the JWKS file ${this.config.JWKS_PATH}: ${(err as Error).message}`);
      this.logger.warn({ err, path: this.config.JWKS_PATH }, 'cannot re-read the JWKS file; keeping the keys read before');
      return;
    }
    this.rsaKeys = this.keysOf(jwks, this.config.JWKS_PATH);
  }

  /** The RS256 signing keys of a JWKS; throws when it holds none. */
  private keysOf(jwks: Jwks, source: string): Map<string, KeyObject> {
    const keys = new Map<string, KeyObject>();
    for (const [i, jwk] of (Array.isArray(jwks?.keys) ? jwks.keys : []).entries()) {
      if (jwk.kty !== 'RSA' || (jwk.use && jwk.use !== 'sig') || (jwk.alg && jwk.alg !== 'RS256')) continue;
      try {
        keys.set(jwk.kid ?? `#${i}`, createPublicKey({ key: jwk, format: 'jwk' }));
      } catch (err) {
        this.logger.warn({ err, kid: jwk.kid, source }, 'skipping an unusable key of the JWKS');
      }
    }
    if (!keys.size) throw new Error(`the JWKS at ${source} holds no RS256 signing key`);
    return keys;
  }
}
