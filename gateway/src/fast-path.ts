import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode } from '@apollo/query-planner';
import { IDENTITY_HEADER, NOT_EXECUTED_HEADER, REQUEST_ID_HEADER, type IdentitySigner, type Logger, type Metrics } from '@modelplane/core';
import type { NextFunction, Response } from 'express';
import { BREAK, Kind, OperationTypeNode, getOperationAST, parse, validate, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { withFiniteLiterals } from './edge/numeric-literals';
import type { EdgeRequest, EdgeState } from './edge/edge-state';
import { LruCache } from './lru-cache';

/**
 * The gateway's fast path. An operation whose whole query plan is one fetch from one subgraph
 * (a `predict`, a `model` lookup, every mutation) gains nothing from plan execution: the gateway
 * would parse the subgraph's JSON, reshape it into the same JSON, and serialize it again. For
 * those, the client's own request body is sent to that subgraph and the answer streamed back
 * untouched. The decision is made once per document (parse, validate against the API schema,
 * plan, and check that the subgraph's own schema accepts the document as written) and cached;
 * anything else (cross-subgraph plans, introspection, invalid documents) goes through Apollo
 * Gateway as before. It runs after the request guard: only checked, authenticated requests get
 * here, and they reach the subgraph with the caller's signed identity.
 */
type Decision = { subgraph: string; url: string; operationName: string; operationType: string } | null;

export interface FastPathOptions {
  apiSchema: GraphQLSchema;
  supergraphSdl: string;
  subgraphUrl: (name: string, url: string) => string;
  logger: Logger;
  metrics: Metrics;
  timeoutMs: number;
  /** Signs the caller's identity for the subgraph. */
  signer: IdentitySigner;
  cacheSize?: number;
}

const FORWARDED_HEADERS = ['tracestate'];

function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

export class FastPath {
  private readonly cache: LruCache<Decision>;
  private readonly planner: QueryPlanner;
  private readonly apiInternal: Schema;
  private readonly subgraphSchemas = new Map<string, { schema: GraphQLSchema; url: string }>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });

  constructor(private readonly options: FastPathOptions) {
    const supergraph = Supergraph.build(options.supergraphSdl);
    this.apiInternal = supergraph.apiSchema();
    this.planner = new QueryPlanner(supergraph);
    for (const subgraph of supergraph.subgraphs()) {
      this.subgraphSchemas.set(subgraph.name, {
        schema: subgraph.schema.toGraphQLJSSchema(),
        url: options.subgraphUrl(subgraph.name, subgraph.url),
      });
    }
    this.cache = new LruCache(options.cacheSize ?? 1000);
  }

  /** Whether (and where) a document can skip plan execution. Never throws. */
  decide(query: string, operationName: string | undefined): Decision {
    const key = `${operationName ?? ''}\n${query}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let decision: Decision = null;
    try {
      decision = this.plan(query, operationName);
    } catch {
      decision = null;
    }
    this.cache.set(key, decision);
    return decision;
  }

  private plan(query: string, operationName: string | undefined): Decision {
    const document = parse(query);
    const operation = getOperationAST(document, operationName);
    if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return null;
    if (validate(this.options.apiSchema, document).length || usesIntrospection(document)) return null;
    // The planner cannot print a literal beyond float64; plan with 0 in its place (the subgraph
    // still gets the client's document and names the bad value).
    const planned = withFiniteLiterals(document) ?? document;
    const plan = this.planner.buildQueryPlan(operationFromDocument(this.apiInternal, planned, { operationName }));
    const node = plan.node as PlanNode | { kind: string } | undefined;
    if (
      !node ||
      node.kind !== 'Fetch' ||
      !('serviceName' in node) ||
      node.requires ||
      node.inputRewrites?.length ||
      node.outputRewrites?.length
    )
      return null;
    const target = this.subgraphSchemas.get(node.serviceName);
    // The subgraph must accept the client's document exactly as written.
    if (!target || validate(target.schema, document).length) return null;
    const name =
      operation.name?.value ?? (document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length === 1 ? '(anonymous)' : '');
    return { subgraph: node.serviceName, url: target.url, operationName: name || '(anonymous)', operationType: operation.operation };
  }

  /** Express middleware: after the JSON body parser, before Apollo Server. */
  handle(req: EdgeRequest, res: Response, next: NextFunction): void {
    const edge = req.modelplane;
    const body = req.body as { query?: unknown; operationName?: unknown; extensions?: unknown } | undefined;
    if (req.method !== 'POST' || !req.rawBody || !body || typeof body.query !== 'string' || Array.isArray(body)) return next();
    if (!edge?.checked || !edge.identity) return next();
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const decision = this.decide(body.query, operationName);
    if (!decision) return next();
    // A persisted query resolved by the guard: the subgraph gets the document, not just its hash.
    this.forward(req, res, edge, decision, edge.bodyRewritten ? Buffer.from(JSON.stringify(body)) : req.rawBody);
  }

  private forward(req: EdgeRequest, res: Response, edge: EdgeState, decision: NonNullable<Decision>, payload: Buffer): void {
    const start = process.hrtime.bigint();
    const requestId = edge.requestId;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': payload.length,
      [REQUEST_ID_HEADER]: requestId,
      traceparent: edge.traceparent,
      [IDENTITY_HEADER]: this.options.signer.token(edge.identity!),
    };
    for (const h of FORWARDED_HEADERS) {
      const v = (req.headers as IncomingHttpHeaders)[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const done = (outcome: 'ok' | 'error') => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.options.metrics.observeOperation(decision.operationName, decision.operationType, outcome, seconds);
      edge.access.outcome ??= outcome;
    };
    // A keep-alive socket to a subgraph that has since restarted fails on first use; a query
    // (never a mutation) sent on such a reused socket is sent once more on a fresh one.
    const send = (retried: boolean): void => {
      const upstream = httpRequest(
        decision.url,
        { method: 'POST', agent: this.agent, headers, timeout: this.options.timeoutMs },
        (answer) => {
          // A draining subgraph refused the request without running it: send it once more, on a
          // new connection (another replica, behind a Kubernetes Service), mutations included.
          if (!retried && answer.headers[NOT_EXECUTED_HEADER] && !res.headersSent) {
            answer.resume();
            send(true);
            return;
          }
          res.status(answer.statusCode ?? 502);
          res.setHeader('content-type', answer.headers['content-type'] ?? 'application/json');
          let first = true;
          let outcome: 'ok' | 'error' = 'ok';
          answer.on('data', (chunk: Buffer) => {
            // Apollo Server writes `errors` first when there are any.
            if (first && chunk.subarray(0, 10).toString('latin1').startsWith('{"errors"')) outcome = 'error';
            first = false;
            res.write(chunk);
          });
          answer.on('end', () => {
            res.end();
            done(outcome);
          });
          answer.on('error', () => {
            res.destroy();
            done('error');
          });
        },
      );
      upstream.on('timeout', () =>
        upstream.destroy(new Error(`subgraph ${decision.subgraph} timed out after ${this.options.timeoutMs} ms`)),
      );
      // The gateway's own per-request timeout answered the client: stop waiting for the subgraph.
      edge.abort = () => upstream.destroy(new Error('the request timed out at the gateway'));
      upstream.on('error', (err) => {
        if (edge.timedOut) return;
        if (!retried && upstream.reusedSocket && decision.operationType === 'query' && !res.headersSent) {
          send(true);
          return;
        }
        this.options.logger.warn({ err, subgraph: decision.subgraph, requestId }, 'subgraph fetch failed');
        if (!res.headersSent) {
          res.status(200).json({
            data: null,
            errors: [
              {
                message: `the ${decision.subgraph} service is unavailable`,
                extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: decision.subgraph },
              },
            ],
          });
        } else res.destroy();
        done('error');
      });
      upstream.end(payload);
    };
    send(false);
  }

  close(): void {
    this.agent.destroy();
  }
}
