import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The one list of error codes a client can see in `extensions.code`. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  INTERNAL = 'INTERNAL',
}

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

/** PostgreSQL SQLSTATE for unique_violation. */
export const PG_UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  return e?.code === PG_UNIQUE_VIOLATION || e?.driverError?.code === PG_UNIQUE_VIOLATION;
}

// Codes Apollo Server and graphql-js produce for malformed requests; they are client errors.
const clientCodes = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Apollo `formatError`: every error leaves with a code; anything we did not raise on purpose
 * becomes INTERNAL with its message hidden (the original is logged by the caller).
 */
export function formatError(formatted: GraphQLFormattedError, _error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && clientCodes.has(code)) {
    // Stack traces never reach clients.
    const { stacktrace: _stack, ...rest } = formatted.extensions ?? {};
    return { ...formatted, extensions: rest };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
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
