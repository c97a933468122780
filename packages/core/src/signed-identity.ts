import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from './config';
import type { Identity } from './context';
import { ErrorCode } from './errors';
import { highestRole, isRole } from './roles';

/**
 * The caller's identity as the gateway (or a service calling another) forwards it: one header,
 *
 *   x-modelplane-identity: v1.<base64url(JSON { sub, role, kid?, iat })>.<base64url(HMAC-SHA256)>
 *
 * signed with GATEWAY_SECRET over `v1.<payload>`. A subgraph trusts nothing else about who is
 * calling: a request without a valid, fresh signature is refused, so reaching a subgraph without
 * going through the gateway gets nowhere. Freshness (MAX_AGE_MS) bounds how long a captured
 * header can be replayed.
 */
export const IDENTITY_HEADER = 'x-modelplane-identity';
/** graphql-ws connectionParams key that carries the same token. */
export const IDENTITY_PARAM = 'identity';

const VERSION = 'v1';
/** A signature older than this is refused. */
export const MAX_AGE_MS = 60_000;
/** Clocks of two machines may disagree a little: a token from slightly in the future is fine. */
const MAX_FUTURE_SKEW_MS = 30_000;
/** Tokens are reused for a while (one HMAC per caller per REUSE_MS, not per request). */
const REUSE_MS = 10_000;

interface Payload {
  sub: string;
  role: string;
  kid?: string;
  iat: number;
}

const secrets = new WeakMap<Config, string>();

/**
 * GATEWAY_SECRET, or in local mode without one a random secret kept in MODELPLANE_HOME (created
 * by whichever local service needs it first), so `npm start` and services started by hand on the
 * same machine agree without configuration. Production requires GATEWAY_SECRET.
 */
export function gatewaySecret(config: Config): string {
  if (config.GATEWAY_SECRET) return config.GATEWAY_SECRET;
  const known = secrets.get(config);
  if (known) return known;
  if (config.MODELPLANE_MODE === 'production') {
    throw new Error('GATEWAY_SECRET is not set (production mode requires it)');
  }
  const file = join(config.MODELPLANE_HOME, 'gateway-secret');
  try {
    mkdirSync(config.MODELPLANE_HOME, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable secret: delete it and start again`);
  secrets.set(config, secret);
  return secret;
}

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** A signed token for `identity`, issued at `now`. */
export function signIdentity(secret: string, identity: Identity, now = Date.now()): string {
  const role = highestRole(identity.roles);
  const payload: Payload = { sub: identity.subject, role: role ?? '', iat: Math.floor(now / 1000) };
  if (identity.keyId) payload.kid = identity.keyId;
  const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** The identity in a token, or null when it is malformed, forged, too old or from the future. */
export function verifyIdentity(secret: string, token: unknown, now = Date.now()): Identity | null {
  if (typeof token !== 'string' || token.length > 4096) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const given = Buffer.from(parts[2]!, 'base64url');
  const expected = mac(secret, `${parts[0]}.${parts[1]}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Payload;
  } catch {
    return null;
  }
  if (typeof payload?.sub !== 'string' || !payload.sub || typeof payload.iat !== 'number') return null;
  const issued = payload.iat * 1000;
  if (now - issued > MAX_AGE_MS || issued - now > MAX_FUTURE_SKEW_MS) return null;
  const identity: Identity = { subject: payload.sub, roles: isRole(payload.role) ? [payload.role] : [] };
  if (typeof payload.kid === 'string') identity.keyId = payload.kid;
  return identity;
}

/**
 * Signs identities with one secret, reusing a token for REUSE_MS so a busy caller does not pay an
 * HMAC per request (a token stays valid for MAX_AGE_MS, far longer).
 */
export class IdentitySigner {
  private readonly cache = new Map<string, { token: string; at: number }>();

  constructor(private readonly secret: string) {}

  token(identity: Identity, now = Date.now()): string {
    const key = `${identity.subject}\u0000${identity.roles.join(',')}\u0000${identity.keyId ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && now - cached.at < REUSE_MS && now >= cached.at) return cached.token;
    const token = signIdentity(this.secret, identity, now);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(key, { token, at: now });
    return token;
  }

  headers(identity: Identity): Record<string, string> {
    return { [IDENTITY_HEADER]: this.token(identity) };
  }
}

const signers = new WeakMap<Config, IdentitySigner>();

export function identitySigner(config: Config): IdentitySigner {
  let signer = signers.get(config);
  if (!signer) {
    signer = new IdentitySigner(gatewaySecret(config));
    signers.set(config, signer);
  }
  return signer;
}

/** The header that carries `identity`, signed: what every call to another service sends. */
export function signedIdentityHeaders(config: Config, identity: Identity): Record<string, string> {
  return identitySigner(config).headers(identity);
}

/** Headers for one service's calls to another, signed afresh (tokens expire) on every call. */
export type ServiceHeaders = () => Record<string, string>;

/** What `service:<name>` sends when it calls another service (roles.ts serviceIdentity). */
export function serviceHeaders(config: Config, identity: Identity): ServiceHeaders {
  return () => identitySigner(config).headers(identity);
}

/** The verified identity an incoming request carries, or null. */
export function identityFromHeaders(config: Config, headers: IncomingHttpHeaders): Identity | null {
  const value = headers[IDENTITY_HEADER];
  return verifyIdentity(gatewaySecret(config), Array.isArray(value) ? value[0] : value);
}

/**
 * Express guard for a service's internal HTTP routes (/artifacts, /streams/*, /internal/*): only
 * callers with a valid signature (the gateway, other services) get through.
 */
export function requireSignedIdentity(config: Config) {
  const secret = gatewaySecret(config);
  return (req: Request, res: Response, next: NextFunction): void => {
    const value = req.headers[IDENTITY_HEADER];
    const identity = verifyIdentity(secret, Array.isArray(value) ? value[0] : value);
    if (!identity) {
      res.status(401).json({ error: 'a valid service signature is required', code: ErrorCode.UNAUTHENTICATED });
      return;
    }
    res.locals.identity = identity;
    next();
  };
}
