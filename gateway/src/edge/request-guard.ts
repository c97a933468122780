import { RateLimitedError, type Config, type Identity, type Logger, type Metrics } from '@modelplane/core';
import type { RequestHandler } from 'express';
import type { GraphQLError } from 'graphql';
import type { Authenticator } from '../auth/authenticator';
import { accessLog } from './middleware/access-log';
import { analyzeOperation } from './middleware/analyze-operation';
import { authentication } from './middleware/authentication';
import { bodyLimit } from './middleware/body-limit';
import { authorization, checkRole } from './middleware/authorization';
import { cors } from './middleware/cors';
import { edgeMiddleware, type EdgeCheck } from './middleware/edge-check';
import { graphqlParams } from './middleware/graphql-params';
import { resolvePersistedQuery, storePersistedQuery } from './middleware/persisted-queries';
import { checkLimits, queryLimits } from './middleware/query-limits';
import { callerKey, costRateLimit, rateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { requestTimeout } from './middleware/request-timeout';
import { checkTrusted, trustedDocumentsOnly } from './middleware/trusted-documents';
import type { OperationAnalyzer } from './operation-analysis';
import { RateLimiter } from './rate-limiter';
import { Refusal, refusal } from './refusal';
import type { PersistedQueryStore, TrustedDocuments } from './trusted-documents';

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

/**
 * Everything the gateway decides about a request before any subgraph sees it, in front of both
 * Apollo Server and the fast path, as ordered middlewares with one concern each (as Hive Gateway
 * composes one plugin per concern):
 *
 *   before the body is read (`beforeBody`): CORS, request context (id, trace, identity headers
 *   dropped), access log, per-request timeout, body limit (authenticating first for large bodies);
 *   after the JSON body (`checks`): GraphQL parameters, authentication, rate limit, persisted
 *   queries, operation analysis, trusted documents, authorization, query limits, the rest of the
 *   rate limit (the operation's cost), and last the persisted-query store. A refusal is a coded GraphQL error with its HTTP status, and nothing
 *   has run; a request is marked checked only when every check passed on its analysis.
 */
export class RequestGuard {
  readonly beforeBody: RequestHandler[];
  readonly checks: RequestHandler[];
  private readonly limiter: RateLimiter;

  constructor(private readonly options: RequestGuardOptions) {
    const { config, metrics } = options;
    this.limiter = new RateLimiter(config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST);
    this.beforeBody = [
      cors(config.CORS_ORIGINS),
      requestContext(),
      accessLog(options.logger),
      requestTimeout(config.REQUEST_TIMEOUT_MS, metrics),
      bodyLimit(
        options.authenticator,
        this.limiter,
        { small: config.MAX_REQUEST_BYTES_BEFORE_AUTH, large: config.MAX_REQUEST_BYTES },
        metrics,
      ),
    ];
    const ordered: EdgeCheck[] = [
      graphqlParams(),
      authentication(options.authenticator, this.limiter),
      rateLimit(this.limiter),
      resolvePersistedQuery(options.persistedQueries, options.trustedDocuments),
      analyzeOperation(options.analyzer),
      ...(options.trustedDocuments ? [trustedDocumentsOnly(options.trustedDocuments)] : []),
      authorization(config.INTROSPECTION),
      queryLimits(config),
      costRateLimit(this.limiter),
      storePersistedQuery(options.persistedQueries),
      markChecked,
    ];
    this.checks = ordered.map((check) => edgeMiddleware(check, metrics));
  }

  /** graphql-ws subscribe messages go through the same checks (the connection is already authenticated). */
  checkSubscription(identity: Identity, query: unknown, operationName: unknown, variables: unknown): GraphQLError[] | null {
    try {
      const key = callerKey(identity, undefined);
      const retryAfter = this.limiter.take(key);
      if (retryAfter !== null) throw refusal(new RateLimitedError(retryAfter));
      const analyzer = this.options.analyzer();
      if (!analyzer || typeof query !== 'string') return null;
      const outcome = analyzer.analyze(query, typeof operationName === 'string' ? operationName : undefined);
      if (!('analysis' in outcome)) return null; // the subscription planner answers parse and resolution errors
      if (this.options.trustedDocuments) checkTrusted(this.options.trustedDocuments, outcome.analysis);
      checkRole(outcome.analysis, identity);
      const cost = checkLimits(outcome.analysis, (variables ?? {}) as Record<string, unknown>, this.options.config);
      const more = this.limiter.take(key, Date.now(), Math.min(cost, this.limiter.burst) - 1);
      if (more !== null) throw refusal(new RateLimitedError(more));
      return null;
    } catch (err) {
      if (err instanceof Refusal) return [err.error];
      throw err;
    }
  }
}

/** After every check: the request may run (never without an analysis). */
const markChecked: EdgeCheck = (_req, edge) => {
  if (!edge.analysis) throw new Error('a request reached the end of the checks without an analysis');
  edge.checked = true;
};
