import type { GraphQLFormattedError } from 'graphql';

/**
 * Codes the client itself gives, besides the server's `extensions.code` values (BAD_USER_INPUT,
 * NOT_FOUND, CONFLICT, UNAUTHENTICATED, FORBIDDEN, INTERNAL, GRAPHQL_VALIDATION_FAILED, …).
 */
export const CLIENT_ERROR_CODES = {
  /** The server could not be reached (refused, DNS, reset) or the websocket dropped. */
  network: 'NETWORK_ERROR',
  /** No answer within the client's timeoutMs. */
  timeout: 'TIMEOUT',
  /** An answer that is not a GraphQL response (a proxy's HTML page, an empty body). */
  badResponse: 'BAD_RESPONSE',
  /** The server closed the subscription websocket (shutdown, supergraph reload). */
  closed: 'WEBSOCKET_CLOSED',
  /** A GraphQL error without extensions.code (should not happen with Modelplane's gateway). */
  unknown: 'UNKNOWN',
} as const;

export interface ModelplaneClientErrorOptions {
  code: string;
  errors?: readonly GraphQLFormattedError[];
  status?: number;
  data?: unknown;
  cause?: unknown;
}

/**
 * Every failure of a request or subscription: GraphQL errors (with the first error's
 * `extensions.code` as `code`, all of them in `errors`) or a transport problem with one of the
 * CLIENT_ERROR_CODES, so callers branch on `code` and show `message` as it is.
 */
export class ModelplaneClientError extends Error {
  override readonly name = 'ModelplaneClientError';
  readonly code: string;
  readonly errors: readonly GraphQLFormattedError[];
  /** HTTP status of the response, when there was one. */
  readonly status?: number;
  /** Partial data that came with the errors, if any. */
  readonly data?: unknown;

  constructor(message: string, options: ModelplaneClientErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.errors = options.errors ?? [];
    this.status = options.status;
    this.data = options.data;
  }

  /** Every distinct code among the GraphQL errors (or just `code`). */
  get codes(): string[] {
    const codes = this.errors.map(errorCode);
    return codes.length ? [...new Set(codes)] : [this.code];
  }

  static fromGraphQLErrors(
    errors: readonly GraphQLFormattedError[],
    extra: { status?: number; data?: unknown } = {},
  ): ModelplaneClientError {
    const message = [...new Set(errors.map((e) => e.message))].join('; ') || 'the server answered with an empty error list';
    return new ModelplaneClientError(message, { code: errors[0] ? errorCode(errors[0]) : CLIENT_ERROR_CODES.unknown, errors, ...extra });
  }
}

function errorCode(error: GraphQLFormattedError): string {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : CLIENT_ERROR_CODES.unknown;
}

interface ErrorLike {
  name?: string;
  message?: string;
  code?: string;
  cause?: ErrorLike;
  errors?: ErrorLike[];
}

// Duck-typed rather than `instanceof Error`: fetch's errors may come from another realm (a VM
// context such as Jest's), where instanceof fails.
function asErrorLike(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : { message: String(err) };
}

/** Node's fetch hides the reason in `cause` ("fetch failed" ← "connect ECONNREFUSED 127.0.0.1:4000"). */
export function networkError(url: string, err: unknown): ModelplaneClientError {
  if (err instanceof ModelplaneClientError) return err;
  const e = asErrorLike(err);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new ModelplaneClientError(`no answer from ${url} in time (${e.message})`, { code: CLIENT_ERROR_CODES.timeout, cause: err });
  }
  // AggregateError (IPv4 and IPv6 both refused) has an empty message and the reasons inside.
  const cause = e.cause;
  const reason = cause?.message || cause?.errors?.map((c) => c.message).join(', ') || cause?.code || e.message || String(err);
  return new ModelplaneClientError(`cannot reach ${url}: ${reason}`, { code: CLIENT_ERROR_CODES.network, cause: err });
}
