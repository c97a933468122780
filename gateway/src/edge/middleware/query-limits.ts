import { QueryTooComplexError, QueryTooDeepError, TooManyAliasesError, type Config } from '@modelplane/core';
import { MAX_INTROSPECTION_DEPTH, type OperationAnalysis } from '../operation-analysis';
import { refusal } from '../refusal';
import type { EdgeCheck } from './edge-check';

export type QueryLimits = Pick<Config, 'MAX_QUERY_DEPTH' | 'MAX_ALIASES' | 'MAX_QUERY_COST'>;

/** Depth, aliases and estimated cost within MAX_QUERY_DEPTH, MAX_ALIASES, MAX_QUERY_COST; returns the cost (at least 1). */
export function checkLimits(analysis: OperationAnalysis, variables: Record<string, unknown>, limits: QueryLimits): number {
  if (analysis.depth > limits.MAX_QUERY_DEPTH) throw refusal(new QueryTooDeepError(analysis.depth, limits.MAX_QUERY_DEPTH));
  if (analysis.introspectionDepth > MAX_INTROSPECTION_DEPTH) {
    throw refusal(new QueryTooDeepError(analysis.introspectionDepth, MAX_INTROSPECTION_DEPTH));
  }
  if (analysis.aliases > limits.MAX_ALIASES) throw refusal(new TooManyAliasesError(analysis.aliases, limits.MAX_ALIASES));
  const cost = analysis.cost(variables);
  if (!(cost <= limits.MAX_QUERY_COST)) {
    throw refusal(new QueryTooComplexError(Number.isFinite(cost) ? cost : Number.MAX_SAFE_INTEGER, limits.MAX_QUERY_COST));
  }
  return Math.max(1, cost);
}

export function queryLimits(limits: QueryLimits): EdgeCheck {
  return (_req, edge) => {
    edge.cost = checkLimits(edge.analysis!, edge.variables, limits);
  };
}
