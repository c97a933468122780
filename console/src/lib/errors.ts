import type { CombinedError, OperationResult } from 'urql';

/** An operation's errors as one line: each message with its extensions.code (no internal detail reaches the API). */
export function describeError(error: CombinedError): string {
  if (error.graphQLErrors.length) {
    return error.graphQLErrors.map((e) => `${e.message}${e.extensions?.code ? ` (${String(e.extensions.code)})` : ''}`).join('; ');
  }
  return error.networkError ? 'the gateway cannot be reached' : error.message;
}

/** null when the mutation succeeded, else what went wrong. */
export function failureOf(result: OperationResult): string | null {
  return result.error ? describeError(result.error) : null;
}
