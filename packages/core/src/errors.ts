import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The one list of error codes a client can see in `extensions.code`. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  INTERNAL = 'INTERNAL',
  /** Refusals at the gateway, before anything runs. */
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  RATE_LIMITED = 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  OPERATION_NOT_TRUSTED = 'OPERATION_NOT_TRUSTED',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  /** A service the answer depends on (a subgraph, the registry for API keys) cannot be reached. */
  SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE',
  /** The service is saving work it has acknowledged and takes no more until it catches up. */
  OVERLOADED = 'OVERLOADED',
  /** Refused unexecuted while the service drains for shutdown: safe to send again elsewhere. */
  SHUTTING_DOWN = 'SHUTTING_DOWN',
}

/** The HTTP status a response gets when it carries nothing but this error. */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.QUERY_TOO_DEEP]: 400,
  [ErrorCode.TOO_MANY_ALIASES]: 400,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.OPERATION_NOT_TRUSTED]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.SUBGRAPH_UNAVAILABLE]: 503,
  [ErrorCode.OVERLOADED]: 503,
  [ErrorCode.SHUTTING_DOWN]: 503,
  [ErrorCode.REQUEST_TIMEOUT]: 504,
};

type Extensions = Record<string, unknown>;

export abstract class ModelplaneError extends GraphQLError {
  abstract readonly code: ErrorCode;
  protected constructor(code: ErrorCode, message: string, extensions: Extensions = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export class BadUserInputError extends ModelplaneError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string, extensions?: Extensions) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions);
  }
}

export class NotFoundError extends ModelplaneError {
  readonly code = ErrorCode.NOT_FOUND;
  constructor(message: string, extensions?: Extensions) {
    super(ErrorCode.NOT_FOUND, message, extensions);
  }
}

export class ConflictError extends ModelplaneError {
  readonly code = ErrorCode.CONFLICT;
  constructor(message: string, extensions?: Extensions) {
    super(ErrorCode.CONFLICT, message, extensions);
  }
}

export class UnauthenticatedError extends ModelplaneError {
  readonly code = ErrorCode.UNAUTHENTICATED;
  constructor(message = 'authentication required', extensions?: Extensions) {
    super(ErrorCode.UNAUTHENTICATED, message, extensions);
  }
}

export class ForbiddenError extends ModelplaneError {
  readonly code = ErrorCode.FORBIDDEN;
  constructor(message = 'not allowed', extensions?: Extensions) {
    super(ErrorCode.FORBIDDEN, message, extensions);
  }
}

export class InternalError extends ModelplaneError {
  readonly code = ErrorCode.INTERNAL;
  constructor(message = 'internal error', extensions?: Extensions) {
    super(ErrorCode.INTERNAL, message, extensions);
  }
}

export class QueryTooDeepError extends ModelplaneError {
  readonly code = ErrorCode.QUERY_TOO_DEEP;
  constructor(depth: number, max: number) {
    super(ErrorCode.QUERY_TOO_DEEP, `the operation nests fields ${depth} deep; at most ${max} is allowed`, { depth, max });
  }
}

export class TooManyAliasesError extends ModelplaneError {
  readonly code = ErrorCode.TOO_MANY_ALIASES;
  constructor(aliases: number, max: number) {
    super(ErrorCode.TOO_MANY_ALIASES, `the operation has ${aliases} aliased fields; at most ${max} are allowed`, { aliases, max });
  }
}

export class QueryTooComplexError extends ModelplaneError {
  readonly code = ErrorCode.QUERY_TOO_COMPLEX;
  constructor(cost: number, max: number) {
    super(ErrorCode.QUERY_TOO_COMPLEX, `the operation's estimated cost is ${cost}; at most ${max} is allowed (ask for fewer items)`, {
      cost,
      max,
    });
  }
}

export class RateLimitedError extends ModelplaneError {
  readonly code = ErrorCode.RATE_LIMITED;
  constructor(retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, `too many requests; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

export class PayloadTooLargeError extends ModelplaneError {
  readonly code = ErrorCode.PAYLOAD_TOO_LARGE;
  constructor(message = 'the request body is too large') {
    super(ErrorCode.PAYLOAD_TOO_LARGE, message);
  }
}

export class OperationNotTrustedError extends ModelplaneError {
  readonly code = ErrorCode.OPERATION_NOT_TRUSTED;
  constructor(message = 'only registered operations run on this server (trusted documents)') {
    super(ErrorCode.OPERATION_NOT_TRUSTED, message);
  }
}

export class RequestTimeoutError extends ModelplaneError {
  readonly code = ErrorCode.REQUEST_TIMEOUT;
  constructor(ms: number) {
    super(ErrorCode.REQUEST_TIMEOUT, `the operation did not finish within ${ms} ms`, { timeoutMs: ms });
  }
}

export class SubgraphUnavailableError extends ModelplaneError {
  readonly code = ErrorCode.SUBGRAPH_UNAVAILABLE;
  /**
   * `cause` is the raw failure (it may name internal URLs): logged by the service, never sent
   * (formatError sends only the message and extensions).
   */
  constructor(message: string, extensions?: Extensions, cause?: unknown) {
    super(ErrorCode.SUBGRAPH_UNAVAILABLE, message, extensions);
    if (cause !== undefined) this.cause = cause;
  }
}

export class OverloadedError extends ModelplaneError {
  readonly code = ErrorCode.OVERLOADED;
  constructor(message: string, extensions?: Extensions) {
    super(ErrorCode.OVERLOADED, message, extensions);
  }
}

/** PostgreSQL SQLSTATE for unique_violation. */
export const PG_UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === PG_UNIQUE_VIOLATION || e?.driverError?.code === PG_UNIQUE_VIOLATION;
}

/**
 * The codes whose errors reach clients as raised (message and extensions): ours, and those Apollo
 * Server and graphql-js give malformed requests. Everything else is unexpected.
 */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ErrorCode),
  ...Object.values(ApolloServerErrorCode).filter((code) => code !== ApolloServerErrorCode.INTERNAL_SERVER_ERROR),
]);

/**
 * Apollo `formatError`: every error leaves with a code; anything we did not raise on purpose
 * becomes INTERNAL with its message hidden (the original is logged by the caller).
 */
export function formatError(formatted: GraphQLFormattedError, _error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) {
    // Stack traces never reach clients.
    const { stacktrace: _stack, ...rest } = formatted.extensions ?? {};
    return { ...formatted, extensions: rest };
  }
  return {
    message: 'internal error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL },
  };
}
