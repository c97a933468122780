import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { BadUserInputError, ErrorCode, InternalError, formatError, type Logger, type RequestContext } from '@modelplane/core';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  validate,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { LruCache } from '../lru-cache';

/** A subscription document, validated and planned once, reused by every client that sends it. */
export interface PlannedSubscription {
  /** Canonical text (printed document and operation name): part of the fan-out key. */
  readonly canonical: string;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** The root field's fetch, sent to its subgraph over graphql-ws. */
  readonly primary: FetchNode;
  /** `primary` followed by the plan's `rest`; run per event with `primary` answered by the event. */
  readonly eventPlan: QueryPlan;
  readonly operationContext: ReturnType<typeof buildOperationContext>;
}

export type PlanOutcome = { planned: PlannedSubscription } | { errors: readonly GraphQLError[] };
export type VariablesOutcome = { variables: Record<string, unknown> } | { errors: readonly GraphQLError[] };

export interface SubscriptionPlannerOptions {
  /** The gateway's API schema (what clients validate against), from onSchemaLoadOrUpdate. */
  apiSchema: GraphQLSchema;
  /** The core supergraph SDL of the same update. */
  supergraphSdl: string;
  /** The data source queries use for a subgraph: entity fetches of `rest` go through it. */
  dataSource: (name: string, url: string) => GraphQLDataSource;
  /** Where the gateway reaches a subgraph over HTTP (configuration may override the supergraph's). */
  subgraphUrl: (name: string, url: string) => string;
  logger: Logger;
  cacheSize?: number;
}

const requestError = (code: ApolloServerErrorCode, message: string) => new GraphQLError(message, { extensions: { code } });

/**
 * Subscriptions on one supergraph version: validation and plans cached per (document, operation
 * name), and per-event execution of the plan's `rest`. A new supergraph gets a new planner.
 *
 * Apollo Gateway plans subscriptions but refuses to execute them. The plan is a Subscription
 * node: `primary` (the root field, on its owning subgraph) and optional `rest` (entity fetches on
 * others). Per event this runs an ordinary query plan `Sequence [primary, rest]` through the
 * gateway's own executeQueryPlan, with `primary` answered by the event instead of a fetch: `rest`,
 * result shaping and error paths then behave exactly as they do for queries.
 */
export class SubscriptionPlanner {
  readonly apiSchema: GraphQLSchema;
  /** Subgraph name → URL over HTTP, as the gateway reaches it. */
  readonly subgraphUrls: ReadonlyMap<string, string>;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly internalApiSchema: Schema;
  private readonly queryPlanner: QueryPlanner;
  private readonly serviceMap: ServiceMap = Object.create(null) as ServiceMap;
  private readonly cache: LruCache<PlanOutcome>;
  private readonly logger: Logger;

  constructor(options: SubscriptionPlannerOptions) {
    const supergraph = Supergraph.build(options.supergraphSdl);
    this.apiSchema = options.apiSchema;
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.internalApiSchema = supergraph.apiSchema();
    this.queryPlanner = new QueryPlanner(supergraph);
    this.cache = new LruCache(options.cacheSize ?? 500);
    this.logger = options.logger;
    const urls = new Map<string, string>();
    for (const { name, url } of supergraph.subgraphsMetadata()) {
      const resolved = options.subgraphUrl(name, url);
      urls.set(name, resolved);
      this.serviceMap[name] = options.dataSource(name, resolved);
    }
    this.subgraphUrls = urls;
  }

  /** Parses, validates and plans a subscription; the outcome (errors included) is cached. */
  plan(query: unknown, operationName: unknown): PlanOutcome {
    if (typeof query !== 'string' || !query) {
      return { errors: [requestError(ApolloServerErrorCode.BAD_REQUEST, 'the subscribe message needs a query')] };
    }
    if (operationName != null && typeof operationName !== 'string') {
      return { errors: [requestError(ApolloServerErrorCode.BAD_REQUEST, 'operationName must be a string')] };
    }
    const key = `${operationName ?? ''}\n${query}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const outcome = this.planUncached(query, operationName ?? undefined);
    this.cache.set(key, outcome);
    return outcome;
  }

  get cachedPlans(): number {
    return this.cache.size;
  }

  private planUncached(query: string, operationName: string | undefined): PlanOutcome {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (err) {
      const message = err instanceof GraphQLError ? err.message : 'the query does not parse';
      return { errors: [requestError(ApolloServerErrorCode.GRAPHQL_PARSE_FAILED, message)] };
    }
    const validationErrors = validate(this.apiSchema, document);
    if (validationErrors.length) {
      return {
        errors: validationErrors.map(
          (e) =>
            new GraphQLError(e.message, {
              nodes: e.nodes,
              extensions: { code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED },
            }),
        ),
      };
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      const message = operationName
        ? `unknown operation named "${operationName}"`
        : 'the document has several operations: send operationName';
      return { errors: [requestError(ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE, message)] };
    }
    // Only subscriptions travel over the websocket: queries and mutations go as HTTP POST to the
    // same path, where they get the gateway's full request pipeline (plugins, metrics, logging).
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      return {
        errors: [
          requestError(
            ApolloServerErrorCode.BAD_REQUEST,
            `only subscriptions are served over the websocket; send this ${operation.operation} as an HTTP POST to /graphql`,
          ),
        ],
      };
    }
    let plan: QueryPlan;
    try {
      plan = this.queryPlanner.buildQueryPlan(operationFromDocument(this.internalApiSchema, document, { operationName, validate: false }));
    } catch (err) {
      if (err instanceof GraphQLError) return { errors: [err] };
      this.logger.error({ err }, 'planning a subscription failed');
      return { errors: [new InternalError('the subscription could not be planned')] };
    }
    if (plan.node?.kind !== 'Subscription') {
      return { errors: [requestError(ApolloServerErrorCode.BAD_REQUEST, 'the subscription selects no subgraph field')] };
    }
    const { primary, rest } = plan.node;
    const node: PlanNode = rest ? { kind: 'Sequence', nodes: [primary, rest] } : primary;
    return {
      planned: {
        canonical: `${operationName ?? ''}\n${print(document)}`,
        document,
        operation,
        operationName,
        primary,
        eventPlan: { kind: 'QueryPlan', node },
        operationContext: buildOperationContext({ schema: this.apiSchema, operationDocument: document, operationName }),
      },
    };
  }

  /** Coerces a client's variables as HTTP requests do; bad ones are BAD_USER_INPUT. */
  coerceVariables(planned: PlannedSubscription, variables: unknown): VariablesOutcome {
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) {
      return { errors: [new BadUserInputError('variables must be an object')] };
    }
    const result = getVariableValues(
      this.apiSchema,
      planned.operation.variableDefinitions ?? [],
      (variables ?? {}) as Record<string, unknown>,
      {
        maxErrors: 20,
      },
    );
    if (result.errors) return { errors: result.errors.map((e) => new BadUserInputError(e.message)) };
    return { variables: result.coerced };
  }

  /** The subgraph request that opens the primary subscription: its operation and the variables it uses. */
  primaryRequest(planned: PlannedSubscription, variables: Record<string, unknown>) {
    const used: Record<string, unknown> = {};
    for (const name of planned.primary.variableUsages ?? []) if (name in variables) used[name] = variables[name];
    return { query: planned.primary.operation, operationName: planned.primary.operationName, variables: used };
  }

  /**
   * One upstream event → the client's result: runs `rest` seeded with the event's data, shapes the
   * response to the client's selection and formats errors as HTTP responses do. Never rejects.
   */
  async executeEvent(
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    event: FormattedExecutionResult,
    context: RequestContext,
  ): Promise<FormattedExecutionResult> {
    try {
      if (event.data == null) {
        // Refused by its subgraph (e.g. BAD_USER_INPUT): shaped as the gateway shapes a failed fetch
        // for queries; locations point into the subgraph's document, not the client's.
        const errors = event.errors?.length
          ? event.errors.map(({ locations: _locations, ...err }) => ({
              ...err,
              extensions: { ...err.extensions, serviceName: planned.primary.serviceName },
            }))
          : [internalFormatted()];
        return { data: null, errors };
      }
      const primaryService = this.serviceMap[planned.primary.serviceName];
      if (!primaryService) throw new Error(`no data source for subgraph ${planned.primary.serviceName}`);
      // The primary fetch is answered by the event; every other fetch goes to its subgraph.
      const serviceMap: ServiceMap = {
        ...this.serviceMap,
        [planned.primary.serviceName]: {
          process: (options) =>
            options.request.query === planned.primary.operation ? Promise.resolve({ ...event }) : primaryService.process(options),
        },
      };
      // What executeQueryPlan reads of a request: variables (fetch variables, @skip/@include), the
      // context handed to data sources (request id), a logger, and metrics it may write to.
      const requestContext = {
        request: { query: planned.primary.operation, variables, operationName: planned.operationName },
        context,
        logger: context.logger,
        metrics: {},
        operation: planned.operation,
        operationName: planned.operationName ?? null,
        document: planned.document,
        schema: this.apiSchema,
      } as unknown as Parameters<typeof executeQueryPlan>[2];
      const result = await executeQueryPlan(
        planned.eventPlan,
        serviceMap,
        requestContext,
        planned.operationContext,
        this.supergraphSchema,
        this.internalApiSchema,
      );
      const errors = result.errors?.map((err) => this.format(err, context));
      return errors?.length ? { data: result.data ?? null, errors } : { data: result.data ?? null };
    } catch (err) {
      context.logger.error({ err }, 'executing a subscription event failed');
      return { data: null, errors: [internalFormatted()] };
    }
  }

  private format(err: GraphQLError, context: RequestContext): GraphQLFormattedError {
    const formatted = formatError(err.toJSON(), err);
    if (formatted.extensions?.code === ErrorCode.INTERNAL && err.extensions?.code !== ErrorCode.INTERNAL) {
      context.logger.error({ err, path: err.path }, 'unexpected error in a subscription event');
    }
    return formatted;
  }
}

function internalFormatted(): GraphQLFormattedError {
  return new InternalError().toJSON();
}
