import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLDataSource } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import { ANONYMOUS, createLogger, type RequestContext } from '@modelplane/core';
import type { GraphQLFormattedError } from 'graphql';
import { SubscriptionPlanner, type PlannedSubscription } from './subscription-planner';

/** Planning and per-event execution against the committed supergraph, with fake subgraphs. */
const supergraphSdl = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
const apiSchema = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
const logger = createLogger('test', 'silent');
const context: RequestContext = { requestId: 'test', identity: ANONYMOUS, logger };

const EVENTS = `subscription Events($model: String) {
  modelEvents(model: $model) { kind toVersion model { name trafficSplit { percent } } }
}`;

interface Call {
  subgraph: string;
  query: string;
  variables: Record<string, unknown> | undefined;
}

function plannerWith(answer: (call: Call) => { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] }) {
  const calls: Call[] = [];
  const planner = new SubscriptionPlanner({
    apiSchema,
    supergraphSdl,
    logger,
    subgraphUrl: (name) => `http://${name}.test/graphql`,
    dataSource: (subgraph): GraphQLDataSource => ({
      process: async ({ request }) => {
        const call = { subgraph, query: request.query ?? '', variables: request.variables };
        calls.push(call);
        return answer(call);
      },
    }),
  });
  return { planner, calls };
}

function planned(planner: SubscriptionPlanner, query: string, operationName?: string): PlannedSubscription {
  const outcome = planner.plan(query, operationName);
  if ('errors' in outcome) throw new Error(outcome.errors.map((e) => e.message).join('; '));
  return outcome.planned;
}

const codes = (outcome: { errors?: readonly { extensions: Record<string, unknown> }[] }) => outcome.errors?.map((e) => e.extensions.code);

describe('SubscriptionPlanner', () => {
  it('sends the root field to its subgraph and keeps the other subgraphs’ fields for the rest', () => {
    const { planner } = plannerWith(() => ({}));
    const plan = planned(planner, EVENTS, 'Events');
    expect(plan.primary.serviceName).toBe('registry');
    expect(plan.primary.operation).toContain('modelEvents(model:$model)');
    expect(plan.primary.operation).not.toContain('trafficSplit');
    expect(plan.eventPlan.node?.kind).toBe('Sequence');
    expect(planner.primaryRequest(plan, { model: 'iris', other: 1 })).toEqual({
      query: plan.primary.operation,
      operationName: plan.primary.operationName,
      variables: { model: 'iris' },
    });
    expect(planner.subgraphUrls.get('prediction')).toBe('http://prediction.test/graphql');
  });

  it('caches plans per document and operation name', () => {
    const { planner } = plannerWith(() => ({}));
    expect(planned(planner, EVENTS, 'Events')).toBe(planned(planner, EVENTS, 'Events'));
    expect(planned(planner, EVENTS)).not.toBe(planned(planner, EVENTS, 'Events'));
    expect(planner.cachedPlans).toBe(2);
  });

  it('refuses what is not a valid subscription with the codes HTTP uses', () => {
    const { planner } = plannerWith(() => ({}));
    expect(codes(planner.plan('subscription {', undefined) as never)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes(planner.plan('subscription { modelEvents { nope } }', undefined) as never)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes(planner.plan('{ models { name } }', undefined) as never)).toEqual(['BAD_REQUEST']);
    expect(codes(planner.plan('mutation { deleteModelAlias(model: "a", alias: "b") }', undefined) as never)).toEqual(['BAD_REQUEST']);
    expect(codes(planner.plan(EVENTS, 'Other') as never)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    expect(codes(planner.plan(undefined, undefined) as never)).toEqual(['BAD_REQUEST']);
    const plan = planned(planner, EVENTS, 'Events');
    expect(codes(planner.coerceVariables(plan, { model: 42 }) as never)).toEqual(['BAD_USER_INPUT']);
    expect(planner.coerceVariables(plan, {})).toEqual({ variables: {} });
  });

  it('answers the primary fetch with the event, fetches the rest from other subgraphs, and shapes the result', async () => {
    const { planner, calls } = plannerWith(({ subgraph }) =>
      subgraph === 'prediction' ? { data: { _entities: [{ __typename: 'Model', trafficSplit: { percent: 10 } }] } } : {},
    );
    const plan = planned(planner, EVENTS, 'Events');
    const event = {
      data: { modelEvents: { kind: 'PROMOTED', toVersion: 2, model: { __typename: 'Model', name: 'iris' } } },
    };
    const result = await planner.executeEvent(plan, { model: 'iris' }, event, context);
    expect(result).toEqual({
      data: { modelEvents: { kind: 'PROMOTED', toVersion: 2, model: { name: 'iris', trafficSplit: { percent: 10 } } } },
    });
    // Only the entity fetch went out; the registry was not asked again.
    expect(calls.map((c) => c.subgraph)).toEqual(['prediction']);
    expect(calls[0]!.variables).toEqual({ representations: [{ __typename: 'Model', name: 'iris' }] });
  });

  it('passes the rest’s subgraph errors on with their code and path, keeping the data it has', async () => {
    const { planner } = plannerWith(() => ({
      data: { _entities: [null] },
      errors: [{ message: 'no split', path: ['_entities', 0, 'trafficSplit'], extensions: { code: 'NOT_FOUND' } }],
    }));
    const plan = planned(planner, EVENTS, 'Events');
    const event = { data: { modelEvents: { kind: 'PROMOTED', toVersion: 2, model: { __typename: 'Model', name: 'iris' } } } };
    const result = await planner.executeEvent(plan, {}, event, context);
    expect(result.data).toEqual({ modelEvents: { kind: 'PROMOTED', toVersion: 2, model: { name: 'iris', trafficSplit: null } } });
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: 'no split',
        path: ['modelEvents', 'model', 'trafficSplit'],
        extensions: { code: 'NOT_FOUND', serviceName: 'prediction' },
      }),
    ]);
  });

  it('passes a subgraph’s refusal of the subscription on as the client’s error', async () => {
    const { planner, calls } = plannerWith(() => ({}));
    const plan = planned(planner, EVENTS, 'Events');
    const refusal = {
      errors: [{ message: 'invalid model name', locations: [{ line: 1, column: 9 }], extensions: { code: 'BAD_USER_INPUT' } }],
    };
    const result = await planner.executeEvent(plan, {}, refusal, context);
    expect(result).toEqual({
      data: null,
      errors: [{ message: 'invalid model name', extensions: { code: 'BAD_USER_INPUT', serviceName: 'registry' } }],
    });
    expect(calls).toEqual([]);
  });
});
