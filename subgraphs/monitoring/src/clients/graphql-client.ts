import type { ServiceHeaders } from '@modelplane/core';

/** A GraphQL call to another subgraph answered with errors (or not at all). */
export class SubgraphCallError extends Error {
  override name = 'SubgraphCallError';
  constructor(
    message: string,
    /** The first error's `extensions.code`, when the subgraph answered with one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** POSTs one operation to a subgraph (subgraph-to-subgraph calls skip the gateway). */
export async function callSubgraph<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  timeoutMs: number,
  /** The caller's signed identity: subgraphs refuse unsigned calls. */
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
    throw new SubgraphCallError(first!.message, first!.extensions?.code);
  }
  if (!body.data) throw new SubgraphCallError(`${url} answered HTTP ${res.status} without data`);
  return body.data;
}
