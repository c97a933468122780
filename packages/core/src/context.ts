import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from './logger';

/**
 * Who is calling: verified at the gateway (API key or JWT) and forwarded to subgraphs signed
 * (signed-identity.ts). `roles` holds the caller's role (see roles.ts); empty means anonymous.
 */
export interface Identity {
  subject: string;
  roles: string[];
  /** The API key's public id, when the caller used one (for access logs). */
  keyId?: string;
}

export const ANONYMOUS: Identity = Object.freeze({ subject: 'anonymous', roles: [] as string[] }) as Identity;

/** What every resolver receives. */
export interface RequestContext {
  requestId: string;
  identity: Identity;
  logger: Logger;
  /** W3C traceparent to send with calls this request makes to other services. */
  traceparent?: string;
}

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a well-formed incoming request id (from the gateway or a client), else makes one. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const given = headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}
