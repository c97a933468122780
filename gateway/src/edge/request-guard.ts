import { isIP } from 'node:net';
import {
  ErrorCode,
  ForbiddenError,
  HTTP_STATUS,
  hasRole,
  IDENTITY_HEADER,
  OperationNotTrustedError,
  QueryTooComplexError,
  QueryTooDeepError,
  RateLimitedError,
  REQUEST_ID_HEADER,
  requestIdFrom,
  RequestTimeoutError,
  SubgraphUnavailableError,
  TooManyAliasesError,
  traceFrom,
  traceparent,
  TRACEPARENT_HEADER,
  UnauthenticatedError,
  type Config,
  type Identity,
  type Logger,
  type Metrics,
  type TraceContext,
  VIEWER,
} from '@modelplane/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import { MAX_INTROSPECTION_DEPTH, type OperationAnalysis, type OperationAnalyzer } from './operation-analysis';
import { RateLimiter } from './rate-limiter';
import { PersistedQueryStore, type TrustedDocuments } from './trusted-documents';

/** What the access log says about one request; Apollo's path and the fast path fill in the outcome. */
export interface AccessRecord {
  operation: string | null;
  type: string | null;
  outcome?: 'ok' | 'error' | 'refused';
  code?: string;
}

/** Per-request state the guard attaches for the fast path and Apollo's context. */
export interface EdgeState {
  requestId: string;
  trace: TraceContext;
  /** The traceparent this gateway sends to subgraphs (its own span in the caller's trace). */
  traceparent: string;
  identity: Identity | null;
  access: AccessRecord;
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

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

export interface RequestGuardOptions {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  authenticator: Authenticator;
  /** The analyzer of the current supergraph (undefined until it is loaded). */
  analyzer: () => OperationAnalyzer | undefined;
  persistedQueries: PersistedQueryStore;
  /** Set in allow-list mode: only these documents run. */
  trustedDocuments?: TrustedDocuments;
}

class Refusal extends Error {
  constructor(
    readonly error: GraphQLError,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
  }
}

function badRequest(message: string): Refusal {
  return new Refusal(new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } }), 400);
}

function refusal(error: GraphQLError, headers?: Record<string, string>): Refusal {
  const code = error.extensions?.code as ErrorCode | undefined;
  return new Refusal(error, (code && HTTP_STATUS[code]) ?? 400, headers);
}

/**
 * Everything the gateway decides about a request before any subgraph sees it, in front of both
 * Apollo Server and the fast path:
 *
 *   1. `start` (before the body is read): request id, W3C trace context, identity headers from
 *      the client dropped, the per-request timeout, and one access-log line when it ends.
 *   2. `check` (after the JSON body): authentication, rate limit, persisted queries, trusted
 *      documents, role, depth, aliases and cost. A refusal is a coded GraphQL error with its HTTP
 *      status, and nothing has run.
 */
export class RequestGuard {
  private readonly limiter: RateLimiter;

  constructor(private readonly options: RequestGuardOptions) {
    const { config } = options;
    this.limiter = new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST);
  }

  readonly start: RequestHandler = (req: EdgeRequest, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers);
    const trace = traceFrom(req.headers);
    const edge: EdgeState = {
      requestId,
      trace,
      traceparent: traceparent(trace),
      identity: null,
      access: { operation: null, type: null },
      checked: false,
      bodyRewritten: false,
      timedOut: false,
      readOnly: false,
    };
    req.modelplane = edge;
    // Only the gateway vouches for identities: a client's own header never travels on.
    delete req.headers[IDENTITY_HEADER];
    // What the fast path and Apollo's context read: the same request id and this hop's trace.
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.headers[TRACEPARENT_HEADER] = edge.traceparent;
    res.setHeader(REQUEST_ID_HEADER, requestId);

    const timer = setTimeout(() => this.timeOut(edge, res), this.options.config.REQUEST_TIMEOUT_MS);
    timer.unref();
    let logged = false;
    const finished = () => {
      clearTimeout(timer);
      if (logged) return;
      logged = true;
      // A browser opening the landing page is not an operation.
      if (req.method === 'GET' && !edge.access.type && !edge.access.outcome && res.statusCode < 400) return;
      this.accessLog(edge, res, started);
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };

  readonly check: RequestHandler = (req: EdgeRequest, res, next) => {
    const edge = req.modelplane;
    if (!edge) return next(new Error('RequestGuard.start must run before RequestGuard.check'));
    this.checkRequest(req, edge).then(
      () => {
        if (!edge.timedOut) next();
      },
      (err: unknown) => {
        if (edge.timedOut) return;
        if (err instanceof Refusal) this.refuse(res, edge, err);
        else next(err);
      },
    );
  };

  /** graphql-ws subscribe messages go through the same checks (the connection is already authenticated). */
  checkSubscription(identity: Identity, query: unknown, operationName: unknown, variables: unknown): GraphQLError[] | null {
    try {
      const retryAfter = this.limiter.take(this.bucketKey(identity, undefined));
      if (retryAfter !== null) throw refusal(new RateLimitedError(retryAfter));
      const analyzer = this.options.analyzer();
      if (!analyzer || typeof query !== 'string') return null;
      const outcome = analyzer.analyze(query, typeof operationName === 'string' ? operationName : undefined);
      if (!('analysis' in outcome)) return null; // the subscription planner answers parse and resolution errors
      if (this.options.trustedDocuments && !this.options.trustedDocuments.has(outcome.analysis.documentHash)) {
        throw refusal(new OperationNotTrustedError());
      }
      this.checkOperation(outcome.analysis, identity, (variables ?? {}) as Record<string, unknown>);
      return null;
    } catch (err) {
      if (err instanceof Refusal) return [err.error];
      throw err;
    }
  }

  private async checkRequest(req: EdgeRequest, edge: EdgeState): Promise<void> {
    const params = this.params(req);
    // Not a GraphQL request object: Apollo Server refuses it (400) without running anything.
    if (!params) return;
    const { authenticator, config } = this.options;

    let identity: Identity | null;
    try {
      identity = await authenticator.authenticate(req.headers.authorization);
    } catch (err) {
      // Failed authentications count against the address, so guessing keys is slow too.
      this.limit(this.bucketKey(null, req));
      throw err instanceof GraphQLError ? refusal(err) : err;
    }
    edge.identity = identity;
    this.limit(this.bucketKey(identity, req));

    const operationName = typeof params.operationName === 'string' ? params.operationName : undefined;
    const resolved = this.resolveQuery(params, identity);
    const analyzer = this.options.analyzer();
    // Apollo Server does not serve before the supergraph is loaded; nothing runs unanalysed either way.
    if (!analyzer) throw refusal(new SubgraphUnavailableError('the gateway is starting'));
    const { query } = resolved;
    const outcome = analyzer.analyze(query, operationName);
    if ('parseError' in outcome) {
      if (!identity) throw refusal(new UnauthenticatedError());
      throw new Refusal(new GraphQLError(outcome.parseError.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }), 400);
    }
    if ('unresolved' in outcome) {
      if (!identity) throw refusal(new UnauthenticatedError());
      // Said here: Apollo Gateway would answer it as a 500.
      const message = operationName
        ? `unknown operation named ${JSON.stringify(operationName.length > 64 ? `${operationName.slice(0, 64)}…` : operationName)}`
        : 'the document has several operations (or none): send operationName';
      throw new Refusal(new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }), 400);
    }
    const { analysis } = outcome;
    edge.access.operation = analysis.operationName;
    edge.access.type = analysis.operationType;
    if (this.options.trustedDocuments && !this.options.trustedDocuments.has(analysis.documentHash)) {
      throw refusal(new OperationNotTrustedError());
    }
    const variables = params.variables && typeof params.variables === 'object' && !Array.isArray(params.variables) ? params.variables : {};
    // Introspection only (`__schema`, `__type`, `__typename`) needs no identity while INTROSPECTION is on (Sandbox).
    if (!identity && !(analysis.requiredRole === null && config.INTROSPECTION)) throw refusal(new UnauthenticatedError());
    if (identity) this.checkOperation(analysis, identity, variables as Record<string, unknown>);
    else this.checkLimits(analysis, variables as Record<string, unknown>);
    edge.readOnly = analysis.operationType === 'query' && (analysis.requiredRole === null || analysis.requiredRole === VIEWER);
    // Only now, with every check passed, is the document kept for its hash (never before: a hash
    // of a refused document would otherwise run it unchecked later).
    if (resolved.hash) {
      this.options.persistedQueries.store(resolved.hash, query);
      if (resolved.byHash && req.method === 'POST') {
        // The fast path forwards the body: it now carries the document the subgraph needs.
        (req.body as GraphQLParams).query = query;
        edge.bodyRewritten = true;
      }
    }
    edge.checked = true;
  }

  private checkOperation(analysis: OperationAnalysis, identity: Identity, variables: Record<string, unknown>): void {
    if (analysis.requiredRole && !hasRole(identity, analysis.requiredRole)) {
      throw refusal(new ForbiddenError(`this operation needs the ${analysis.requiredRole} role`, { requiredRole: analysis.requiredRole }));
    }
    this.checkLimits(analysis, variables);
  }

  private checkLimits(analysis: OperationAnalysis, variables: Record<string, unknown>): void {
    const { config } = this.options;
    if (analysis.depth > config.MAX_QUERY_DEPTH) throw refusal(new QueryTooDeepError(analysis.depth, config.MAX_QUERY_DEPTH));
    if (analysis.introspectionDepth > MAX_INTROSPECTION_DEPTH) {
      throw refusal(new QueryTooDeepError(analysis.introspectionDepth, MAX_INTROSPECTION_DEPTH));
    }
    if (analysis.aliases > config.MAX_ALIASES) throw refusal(new TooManyAliasesError(analysis.aliases, config.MAX_ALIASES));
    const cost = analysis.cost(variables);
    if (!(cost <= config.MAX_QUERY_COST)) {
      throw refusal(new QueryTooComplexError(Number.isFinite(cost) ? cost : Number.MAX_SAFE_INTEGER, config.MAX_QUERY_COST));
    }
  }

  /** The request's GraphQL parameters (POST body or GET query string), or null when it is not a GraphQL request object. */
  private params(req: EdgeRequest): GraphQLParams | null {
    if (req.method === 'POST') {
      const body = req.body as unknown;
      return body && typeof body === 'object' && !Array.isArray(body) ? (body as GraphQLParams) : null;
    }
    if (req.method !== 'GET') return null;
    // Read as Apollo Server reads it (each parameter at most once), not through Express's parser.
    const search = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    if (!search.has('query') && !search.has('extensions')) return null;
    const once = (name: string) => {
      const all = search.getAll(name);
      if (all.length > 1) throw badRequest(`\`${name}\` may be given only once`);
      return all[0];
    };
    const json = (v: string | undefined) => {
      if (v === undefined) return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return undefined;
      }
    };
    return {
      query: once('query'),
      operationName: once('operationName'),
      variables: json(once('variables')),
      extensions: json(once('extensions')),
    };
  }

  /**
   * The document to check: the request's own, or the one a persisted-query hash stands for. Any
   * `query` that is not a string (absent, null, false, 0, an object) means "by hash only", as
   * Apollo Server reads it; without a hash such a request is refused here.
   */
  private resolveQuery(params: GraphQLParams, identity: Identity | null): { query: string; hash?: string; byHash: boolean } {
    const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
    const hash =
      typeof persisted?.sha256Hash === 'string' && /^[0-9a-f]{64}$/.test(persisted.sha256Hash) ? persisted.sha256Hash : undefined;
    if (typeof params.query === 'string') {
      if (persisted?.sha256Hash !== undefined && !(hash && PersistedQueryStore.matches(hash, params.query))) {
        throw badRequest('the persisted query hash is not the SHA-256 of the query');
      }
      return { query: params.query, hash, byHash: false };
    }
    // Whether a hash is known is not said to anonymous callers.
    if (!identity) throw refusal(new UnauthenticatedError());
    if (!hash) throw badRequest('send the operation as a string in `query`, or its SHA-256 in `extensions.persistedQuery`');
    const query = this.options.persistedQueries.query(hash) ?? this.options.trustedDocuments?.body(hash);
    // Apollo Client sends the document again on this answer (Apollo Server's own shape and status).
    if (query === undefined) {
      throw new Refusal(new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }), 200, {
        'cache-control': 'private, no-cache, must-revalidate',
      });
    }
    return { query, hash, byHash: true };
  }

  private bucketKey(identity: Identity | null, req: EdgeRequest | undefined): string {
    if (identity?.keyId) return `key:${identity.keyId}`;
    if (identity && identity.subject !== 'anonymous') return `sub:${identity.subject}`;
    const address = req?.socket.remoteAddress ?? '';
    return `ip:${isIP(address) ? address : 'unknown'}`;
  }

  private limit(key: string): void {
    const retryAfter = this.limiter.take(key);
    if (retryAfter !== null) throw refusal(new RateLimitedError(retryAfter), { 'retry-after': String(retryAfter) });
  }

  private refuse(res: Response, edge: EdgeState, refused: Refusal): void {
    const code = String(refused.error.extensions?.code ?? ErrorCode.BAD_USER_INPUT);
    edge.access.outcome = 'refused';
    edge.access.code = code;
    this.options.metrics.operationErrors.inc({ operation: '(refused)', code });
    if (res.headersSent) return;
    const { http: _http, ...extensions } = refused.error.extensions ?? {};
    res
      .status(refused.status)
      .set(refused.headers)
      .json({ errors: [{ message: refused.error.message, extensions: { ...extensions, code } }] });
  }

  private timeOut(edge: EdgeState, res: Response): void {
    if (res.writableEnded) return;
    edge.timedOut = true;
    edge.abort?.();
    const error = new RequestTimeoutError(this.options.config.REQUEST_TIMEOUT_MS);
    edge.access.outcome = 'error';
    edge.access.code = ErrorCode.REQUEST_TIMEOUT;
    this.options.metrics.operationErrors.inc({ operation: edge.access.operation ?? '(unknown)', code: ErrorCode.REQUEST_TIMEOUT });
    if (res.headersSent) {
      // Part of an answer is out already: all that is left is to cut it.
      res.destroy();
      return;
    }
    res.status(504).json({ errors: [{ message: error.message, extensions: error.extensions }] });
    // Whatever was still working on this request (Apollo Server, a subgraph answer) writes into
    // the void: the client has its answer.
    const quiet = res as unknown as Record<string, unknown>;
    for (const method of ['status', 'set', 'setHeader', 'writeHead', 'json', 'send', 'end']) quiet[method] = () => res;
    quiet.write = () => true;
  }

  private accessLog(edge: EdgeState, res: Response, started: bigint): void {
    const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
    const { access, identity } = edge;
    const outcome = access.outcome ?? (res.statusCode < 400 ? 'ok' : 'error');
    this.options.logger.info(
      {
        requestId: edge.requestId,
        traceId: edge.trace.traceId,
        operation: access.operation,
        type: access.type,
        ms,
        status: res.statusCode,
        outcome,
        ...(access.code && { code: access.code }),
        subject: identity?.subject ?? null,
        ...(identity?.keyId && { keyId: identity.keyId }),
      },
      'graphql',
    );
  }
}

/**
 * CORS for browsers on other origins (CORS_ORIGINS; none by default: same origin only). Apollo
 * Server's CSRF prevention stays on: a cross-origin "simple" request is still refused.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origin || !(any || allowed.has(origin))) {
      if (req.method === 'OPTIONS' && origin) return void res.status(403).end();
      return next();
    }
    res.setHeader('access-control-allow-origin', any ? '*' : origin);
    res.setHeader('vary', 'Origin');
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader(
        'access-control-allow-headers',
        'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, traceparent, tracestate, x-request-id',
      );
      res.setHeader('access-control-max-age', '600');
      return void res.status(204).end();
    }
    next();
  };
}
