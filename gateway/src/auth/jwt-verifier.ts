import { createHmac, createPublicKey, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { highestRole, UnauthenticatedError, type Config, type Identity, type Logger } from '@modelplane/core';

/** Tokens from a clock this far ahead (or expired this recently) are still accepted. */
const CLOCK_SKEW_SECONDS = 30;
/** An unknown `kid` re-reads the JWKS file at most this often (key rotation without a restart). */
const JWKS_RELOAD_MS = 60_000;

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
 * with the keys of the JWKS file at JWKS_PATH. `alg` must be one of those two (never `none`),
 * `exp` is required, `nbf` honoured, `iss` and `aud` must match JWT_ISSUER and JWT_AUDIENCE. The
 * caller is `sub`, with the strongest known role of the `role` or `roles` claim.
 */
export class JwtVerifier {
  private rsaKeys = new Map<string, KeyObject>();
  private jwksLoadedAt = 0;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    if (config.JWKS_PATH) this.loadJwks();
  }

  /** Whether this looks like a JWT (three base64url parts) rather than an API key. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) && token.startsWith('eyJ');
  }

  get enabled(): boolean {
    return !!(this.config.JWT_HS256_SECRET || this.config.JWKS_PATH);
  }

  /** The caller a token names; throws UnauthenticatedError for anything not fully valid. */
  verify(token: string, nowMs = Date.now()): Identity {
    if (!this.enabled) throw new UnauthenticatedError('JWTs are not accepted here (no JWT_HS256_SECRET or JWKS_PATH)');
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
    } else if (header.alg === 'RS256' && this.config.JWKS_PATH) {
      const key = this.rsaKey(typeof header.kid === 'string' ? header.kid : undefined);
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

  private rsaKey(kid: string | undefined): KeyObject | undefined {
    const find = () => (kid ? this.rsaKeys.get(kid) : this.rsaKeys.size === 1 ? [...this.rsaKeys.values()][0] : undefined);
    let key = find();
    if (!key && Date.now() - this.jwksLoadedAt > JWKS_RELOAD_MS) {
      try {
        this.loadJwks();
      } catch (err) {
        this.logger.warn({ err }, 'cannot re-read the JWKS file; keeping the keys read before');
      }
      key = find();
    }
    return key;
  }

  private loadJwks(): void {
    this.jwksLoadedAt = Date.now();
    let jwks: { keys?: Array<JsonWebKey & { kid?: string; use?: string; alg?: string }> };
    try {
      jwks = JSON.parse(readFileSync(this.config.JWKS_PATH, 'utf8')) as typeof jwks;
    } catch (err) {
      // At start-up this is fatal (the constructor throws); later, the previous keys stay.
      if (!this.rsaKeys.size) throw new Error(`cannot read the JWKS file ${this.config.JWKS_PATH}: ${(err as Error).message}`);
      this.logger.warn({ err, path: this.config.JWKS_PATH }, 'cannot re-read the JWKS file; keeping the keys read before');
      return;
    }
    const keys = new Map<string, KeyObject>();
    for (const [i, jwk] of (jwks.keys ?? []).entries()) {
      if (jwk.kty !== 'RSA' || (jwk.use && jwk.use !== 'sig') || (jwk.alg && jwk.alg !== 'RS256')) continue;
      try {
        keys.set(jwk.kid ?? `#${i}`, createPublicKey({ key: jwk, format: 'jwk' }));
      } catch (err) {
        this.logger.warn({ err, kid: jwk.kid }, 'skipping an unusable key of the JWKS file');
      }
    }
    if (!keys.size) throw new Error(`the JWKS file ${this.config.JWKS_PATH} holds no RS256 signing key`);
    this.rsaKeys = keys;
  }
}
