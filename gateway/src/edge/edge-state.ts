import type { Identity, TraceContext } from '@modelplane/core';
import type { Request } from 'express';
import type { OperationAnalysis } from './operation-analysis';

/** What the access log says about one request; Apollo's path and the fast path fill in the outcome. */
export interface AccessRecord {
  operation: string | null;
  type: string | null;
  outcome?: 'ok' | 'error' | 'refused';
  code?: string;
}

/** A GraphQL request's parameters, from a POST body or a GET query string, as the client sent them. */
export interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** The document a request runs: its own, or the one its persisted-query hash stands for. */
export interface ResolvedOperation {
  query: string;
  /** The persisted-query hash it came with (kept for it once every check passed). */
  hash?: string;
  /** Sent by hash only: the document came from the persisted-query store or the manifest. */
  byHash: boolean;
}

/** Per-request state the edge middlewares build up, for each other, the fast path and Apollo's context. */
export interface EdgeState {
  requestId: string;
  trace: TraceContext;
  /** The traceparent this gateway sends to subgraphs (its own span in the caller's trace). */
  traceparent: string;
  identity: Identity | null;
  /** The credentials were verified (identity is final): before the body for large bodies, else after it. */
  authenticated: boolean;
  /** The largest body the JSON parser reads for this request. */
  bodyLimit?: number;
  access: AccessRecord;
  /** The GraphQL parameters; null when the request is no GraphQL request object (Apollo Server refuses it). */
  params?: GraphQLParams | null;
  /** The variables the checks price the operation with (an object, `{}` when absent or malformed). */
  variables: Record<string, unknown>;
  operation?: ResolvedOperation;
  analysis?: OperationAnalysis;
  /** The operation's estimated cost with its variables (what it takes from the rate limit). */
  cost?: number;
  /** Every check passed (or nothing can run: Apollo Server answers the request itself). */
  checked: boolean;
  /** req.body was changed (a persisted query resolved): forward the body re-serialized. */
  bodyRewritten: boolean;
  timedOut: boolean;
  /**
   * A query whose root fields need at most viewer: by our convention it writes nothing (queries
   * that write, such as predict, need operator), so identical ones in flight may share one answer.
   */
  readOnly: boolean;
  /** Cancels work in flight (the fast path's upstream request) when the request times out. */
  abort?: () => void;
}

export interface EdgeRequest extends Request {
  modelplane?: EdgeState;
  rawBody?: Buffer;
}
