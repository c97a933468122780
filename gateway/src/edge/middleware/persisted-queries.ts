import { UnauthenticatedError } from '@modelplane/core';
import { GraphQLError } from 'graphql';
import type { GraphQLParams, ResolvedOperation } from '../edge-state';
import { badRequest, Refusal, refusal } from '../refusal';
import { PersistedQueryStore, type TrustedDocuments } from '../trusted-documents';
import type { EdgeCheck } from './edge-check';

/**
 * The document to check: the request's own, or the one its persisted-query hash stands for (from
 * automatic persisted queries, or the trusted-documents manifest). Any `query` that is not a
 * string (absent, null, false, 0, an object) means "by hash only", as Apollo Server reads it;
 * without a hash such a request is refused. Nothing is stored here: see storePersistedQuery.
 */
export function resolvePersistedQuery(store: PersistedQueryStore, trusted: TrustedDocuments | undefined): EdgeCheck {
  return (_req, edge) => {
    edge.operation = resolve(edge.params!, edge.identity !== null, store, trusted);
  };
}

function resolve(params: GraphQLParams, authenticated: boolean, store: PersistedQueryStore, trusted?: TrustedDocuments): ResolvedOperation {
  const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  const hash = typeof persisted?.sha256Hash === 'string' && /^[0-9a-f]{64}$/.test(persisted.sha256Hash) ? persisted.sha256Hash : undefined;
  if (typeof params.query === 'string') {
    if (persisted?.sha256Hash !== undefined && !(hash && PersistedQueryStore.matches(hash, params.query))) {
      throw badRequest('the persisted query hash is not the SHA-256 of the query');
    }
    return { query: params.query, hash, byHash: false };
  }
  // Whether a hash is known is not said to anonymous callers.
  if (!authenticated) throw refusal(new UnauthenticatedError());
  if (!hash) throw badRequest('send the operation as a string in `query`, or its SHA-256 in `extensions.persistedQuery`');
  const query = store.query(hash) ?? trusted?.body(hash);
  // Apollo Client sends the document again on this answer (Apollo Server's own shape and status).
  if (query === undefined) {
    throw new Refusal(new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }), 200, {
      'cache-control': 'private, no-cache, must-revalidate',
    });
  }
  return { query, hash, byHash: true };
}

/**
 * Last, once every check passed: the document is kept for its hash (never before: the hash of a
 * refused document would otherwise run it later), and a POST sent by hash carries the document
 * on (the fast path forwards the body to the subgraph).
 */
export function storePersistedQuery(store: PersistedQueryStore): EdgeCheck {
  return (req, edge) => {
    const operation = edge.operation;
    if (!operation?.hash) return;
    store.store(operation.hash, operation.query);
    if (operation.byHash && req.method === 'POST') {
      (req.body as GraphQLParams).query = operation.query;
      edge.bodyRewritten = true;
    }
  };
}
