import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import {
  ErrorCode,
  IDENTITY_HEADER,
  NOT_EXECUTED_HEADER,
  REQUEST_ID_HEADER,
  TRACEPARENT_HEADER,
  type IdentitySigner,
  type Logger,
  type RequestContext,
} from '@modelplane/core';
import { Kind, OperationTypeNode, parse, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { LruCache } from './lru-cache';

type GatewayResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;
type ProcessOptions = GraphQLDataSourceProcessOptions<RequestContext>;

/** What one subgraph HTTP exchange produced: the body text (parsed by each consumer) or a failure. */
type Exchange = { ok: true; status: number; text: string } | { ok: false; reason: string };

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  signer: IdentitySigner;
  logger: Logger;
  /** Root query fields that write something (e.g. `predict` logs each prediction): never shared. */
  sideEffectQueryFields: ReadonlySet<string>;
  /** Share one subgraph request among identical queries in flight at the same time (default true). */
  deduplicate?: boolean;
  metrics: SubgraphFetchMetrics;
}

/** Counters shared by every subgraph's data source. */
export class SubgraphFetchMetrics {
  readonly fetches: Counter<'subgraph' | 'outcome'>;
  constructor(registry: Registry) {
    this.fetches = new Counter({
      name: 'modelplane_gateway_subgraph_fetches_total',
      help: 'Subgraph fetches by outcome: sent, deduplicated (shared an identical fetch in flight), retried, unavailable.',
      labelNames: ['subgraph', 'outcome'],
      registers: [registry],
    });
  }
}

/**
 * How the gateway calls a subgraph while executing a query plan (Apollo's RemoteGraphQLDataSource
 * replaced, same contract):
 * - node:http on pooled keep-alive sockets, no node-fetch Request/Headers objects per call;
 * - identical read-only fetches in flight at the same time (same subgraph, caller identity, query
 *   and variables) share one request: a burst of the same dashboard query costs each subgraph one
 *   call. Each sharer parses its own copy, because plan execution mutates what it receives;
 *   mutations and side-effecting queries are never shared;
 * - a subgraph that cannot be reached fails only its own fields, with SUBGRAPH_UNAVAILABLE, the
 *   subgraph's name and the fields' paths (as the fast path does), never an anonymous error;
 * - a query sent on a reused keep-alive socket to a subgraph that has since restarted is sent
 *   once more on a fresh socket.
 */
export class SubgraphDataSource implements GraphQLDataSource<RequestContext> {
  private readonly inFlight = new Map<string, Promise<Exchange>>();
  private readonly shapes = new LruCache<FetchShape>(2000);
  private readonly target: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(private readonly options: SubgraphDataSourceOptions) {
    this.target = new URL(options.url);
    const https = this.target.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64 };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = (https ? httpsRequest : httpRequest) as typeof httpRequest;
  }

  async process(options: ProcessOptions): Promise<GatewayResponse> {
    const { request } = options;
    if (!request.query) throw new Error(`no query for subgraph ${this.options.name}`);
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // Plan execution (not schema loading or health checks): carries the client's context.
    const incoming = 'incomingRequestContext' in options;
    const context = incoming ? options.context : undefined;
    if (context?.requestId) headers[REQUEST_ID_HEADER] = context.requestId;
    if (context?.traceparent) headers[TRACEPARENT_HEADER] = context.traceparent;
    // Who is asking, signed: subgraphs enforce roles from it and refuse requests without it.
    if (context?.identity) headers[IDENTITY_HEADER] = this.options.signer.token(context.identity);
    for (const [name, value] of request.http?.headers ?? []) headers[name] ??= value;

    const shape = this.shapeOf(request.query);
    const shareable = this.options.deduplicate !== false && incoming && shape.query && !shape.writes;
    let exchange: Exchange;
    if (shareable) {
      const identity = context?.identity;
      const key = `${identity ? `${identity.subject}\u0000${identity.roles.join(',')}` : ''}\u0000${body}`;
      const pending = this.inFlight.get(key);
      if (pending) {
        this.options.metrics.fetches.inc({ subgraph: this.options.name, outcome: 'deduplicated' });
        exchange = await pending;
      } else {
        const started = this.exchange(body, headers, true);
        this.inFlight.set(key, started);
        try {
          exchange = await started;
        } finally {
          this.inFlight.delete(key);
        }
      }
    } else exchange = await this.exchange(body, headers, shape.query);

    if (exchange.ok) {
      const parsed = parseGraphQLBody(exchange.text);
      if (parsed) return parsed;
      exchange = { ok: false, reason: `answered HTTP ${exchange.status} without a GraphQL response` };
    }
    this.options.metrics.fetches.inc({ subgraph: this.options.name, outcome: 'unavailable' });
    context?.logger.warn({ subgraph: this.options.name, reason: exchange.reason }, 'subgraph fetch failed');
    // Schema loading and health checks want the failure itself.
    if (!incoming) throw new Error(`subgraph ${this.options.name}: ${exchange.reason}`);
    return { errors: this.unavailableErrors(options, shape) };
  }

  /** What a fetch's document asks for; planner-generated documents repeat, so this is cached. */
  private shapeOf(query: string): FetchShape {
    let shape = this.shapes.get(query);
    if (shape) return shape;
    shape = fetchShape(query, this.options.sideEffectQueryFields);
    this.shapes.set(query, shape);
    return shape;
  }

  /**
   * One error per field this fetch would have filled, with paths relative to the fetch (Apollo
   * Gateway maps `_entities` paths back into the client's response and adds serviceName).
   */
  private unavailableErrors(options: ProcessOptions, shape: FetchShape): GatewayResponse['errors'] {
    const message = `the ${this.options.name} service is unavailable`;
    const extensions = { code: ErrorCode.SUBGRAPH_UNAVAILABLE };
    if (!shape.entityFields)
      return shape.rootFields.length
        ? shape.rootFields.map((field) => ({ message, extensions, path: [field] }))
        : [{ message, extensions }];
    const representations = options.request.variables?.representations;
    const count = Array.isArray(representations) ? representations.length : 1;
    const errors: { message: string; extensions: typeof extensions; path: (string | number)[] }[] = [];
    for (let i = 0; i < count; i++)
      for (const field of shape.entityFields) errors.push({ message, extensions, path: ['_entities', i, field] });
    return errors.length ? errors : [{ message, extensions }];
  }

  private exchange(body: string, headers: Record<string, string>, retryable: boolean): Promise<Exchange> {
    return new Promise((resolve) => {
      const attempt = (retried: boolean) => {
        let settled = false;
        const finish = (exchange: Exchange) => {
          if (settled) return;
          settled = true;
          resolve(exchange);
        };
        const upstream: ClientRequest = this.send(
          this.target,
          {
            method: 'POST',
            agent: this.agent,
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
            timeout: this.options.timeoutMs,
          },
          (answer: IncomingMessage) => {
            // A draining subgraph refused it without running it: once more on a new connection.
            if (!retried && answer.headers[NOT_EXECUTED_HEADER]) {
              settled = true;
              answer.resume();
              this.options.metrics.fetches.inc({ subgraph: this.options.name, outcome: 'retried' });
              attempt(true);
              return;
            }
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.on('end', () => finish({ ok: true, status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            answer.on('error', (err) => finish({ ok: false, reason: err.message }));
          },
        );
        upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          if (settled) return;
          // A keep-alive socket the subgraph closed (e.g. it restarted) fails on first use.
          if (retryable && !retried && upstream.reusedSocket) {
            settled = true;
            this.options.metrics.fetches.inc({ subgraph: this.options.name, outcome: 'retried' });
            attempt(true);
            return;
          }
          finish({ ok: false, reason: err.code ?? err.message });
        });
        this.options.metrics.fetches.inc({ subgraph: this.options.name, outcome: 'sent' });
        upstream.end(body);
      };
      attempt(false);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

interface FetchShape {
  /** A query (not a mutation): safe to resend and, unless it writes, to share. */
  query: boolean;
  /** Selects a root field that writes something (or could not be analysed). */
  writes: boolean;
  /** Response names of the root fields. */
  rootFields: string[];
  /** For an `_entities` fetch, the entity fields it fills. */
  entityFields?: string[];
}

function fetchShape(query: string, sideEffectQueryFields: ReadonlySet<string>): FetchShape {
  let operation: OperationDefinitionNode | undefined;
  try {
    operation = parse(query, { noLocation: true }).definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
  } catch {
    operation = undefined;
  }
  if (!operation) return { query: false, writes: true, rootFields: [] };
  const roots = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD);
  const entities = roots.find((f) => f.name.value === '_entities');
  return {
    query: operation.operation === OperationTypeNode.QUERY,
    writes: roots.length !== operation.selectionSet.selections.length || roots.some((f) => sideEffectQueryFields.has(f.name.value)),
    rootFields: roots.map((f) => f.alias?.value ?? f.name.value),
    ...(entities ? { entityFields: [...responseNames(entities.selectionSet)] } : {}),
  };
}

/** Response names of the fields a selection set (and its inline fragments) asks for. */
function responseNames(selectionSet: SelectionSetNode | undefined, into = new Set<string>()): Set<string> {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') into.add(selection.alias?.value ?? selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) responseNames(selection.selectionSet, into);
  }
  return into;
}

/** A GraphQL response (any HTTP status: Apollo Server answers validation errors with 400), or null. */
function parseGraphQLBody(text: string): GatewayResponse | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const body = parsed as GatewayResponse;
  if (!('data' in body) && !Array.isArray(body.errors)) return null;
  return body;
}
