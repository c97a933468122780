import {
  ANONYMOUS_ADMIN,
  UnauthenticatedError,
  type Config,
  type Identity,
  type Logger,
  type ServiceHeaders,
  serviceBase,
} from '@modelplane/core';
import { ApiKeyVerifier } from './api-key-verifier';
import { JwtVerifier } from './jwt-verifier';

export interface AuthenticatorOptions {
  config: Config;
  logger: Logger;
  /** The registry's GraphQL URL as the gateway reaches it. */
  registryUrl: string;
  /** The gateway's own signed identity, for the registry's key verification route. */
  serviceHeaders: ServiceHeaders;
}

/**
 * Who is calling, from `Authorization: Bearer <API key or JWT>` (or the same in graphql-ws
 * connectionParams). No credentials: null (anonymous; what anonymous may do is the request
 * guard's decision). Credentials that do not verify: UnauthenticatedError. With AUTH=off (local
 * mode only) everyone is an anonymous admin.
 */
export class Authenticator {
  private readonly keys: ApiKeyVerifier;
  private readonly jwt: JwtVerifier;
  readonly off: boolean;

  constructor(options: AuthenticatorOptions) {
    const { config } = options;
    this.off = config.AUTH === 'off';
    this.jwt = new JwtVerifier(config, options.logger);
    this.keys = new ApiKeyVerifier({
      registryBase: serviceBase(options.registryUrl),
      headers: options.serviceHeaders,
      cacheMs: config.AUTH_CACHE_SECONDS * 1000,
      timeoutMs: Math.min(config.SUBGRAPH_TIMEOUT_MS, 10_000),
      logger: options.logger,
    });
  }

  /** `beforeLookup` runs before an API key costs a registry request (the gateway's per-address limit). */
  async authenticate(authorization: unknown, beforeLookup?: () => void): Promise<Identity | null> {
    if (this.off) return ANONYMOUS_ADMIN;
    if (authorization === undefined || authorization === null || authorization === '') return null;
    if (typeof authorization !== 'string') throw new UnauthenticatedError('the authorization value must be a string');
    const match = /^Bearer\s+(\S{1,4096})\s*$/i.exec(authorization);
    if (!match) throw new UnauthenticatedError('use Authorization: Bearer <API key or JWT>');
    const token = match[1]!;
    return JwtVerifier.looksLikeJwt(token) ? this.jwt.verify(token) : this.keys.verify(token, Date.now(), beforeLookup);
  }

  /** graphql-ws connection_init: `{ authorization: 'Bearer …' }` (or `Authorization`), as the typed client sends it. */
  authenticateConnection(params: Readonly<Record<string, unknown>> | undefined): Promise<Identity | null> {
    return this.authenticate(params?.authorization ?? params?.Authorization);
  }
}
