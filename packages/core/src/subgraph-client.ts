import { SubgraphUnavailableError } from './errors';
import type { ServiceHeaders } from './signed-identity';

/** A GraphQL call to another subgraph answered with errors, or not at all. */
export class SubgraphCallError extends Error {
  override name = 'SubgraphCallError';
  constructor(
    message: string,
    /** The first error's `extensions.code`, when the subgraph answered with one. */
    readonly code?: string,
    /** HTTP status of the answer; undefined when the subgraph could not be reached. */
    readonly status?: number,
  ) {
    super(message);
  }

  get unreachable(): boolean {
    return this.status === undefined;
  }
}

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * POSTs one operation straight to another subgraph (service-to-service calls skip the gateway),
 * signed with the caller's identity; every subgraph refuses unsigned calls.
 */
export async function callSubgraph<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs: number,
  headers: ServiceHeaders,
  requestId?: string,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers(), ...(requestId && { 'x-request-id': requestId }) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new SubgraphCallError(`${url} is unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = (await res.json().catch(() => ({}))) as GraphQLAnswer<T>;
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new SubgraphCallError(first!.message, first!.extensions?.code, res.status);
  }
  if (!body.data) throw new SubgraphCallError(`${url} answered HTTP ${res.status} without data`, undefined, res.status);
  return body.data;
}

/**
 * What a client sees when a call to another subgraph failed: SUBGRAPH_UNAVAILABLE naming the
 * service (`serviceName`, as the gateway names unreachable subgraphs), never its URL or the raw
 * failure, which travel as `cause` into this service's log.
 */
export function subgraphUnavailable(serviceName: string, couldNot: string, cause: unknown): SubgraphUnavailableError {
  return new SubgraphUnavailableError(`the ${serviceName} service could not ${couldNot}`, { serviceName }, cause);
}

/** A service's base URL (for its REST routes: /artifacts, /streams, /internal) from its GraphQL URL. */
export function serviceBase(graphqlUrl: string): string {
  return graphqlUrl.replace(/\/graphql\/?$/, '');
}
