import { shortOperationName, SubgraphUnavailableError, UnauthenticatedError, VIEWER } from '@modelplane/core';
import { GraphQLError } from 'graphql';
import type { OperationAnalyzer } from '../operation-analysis';
import { Refusal, refusal } from '../refusal';
import type { EdgeCheck } from './edge-check';

/**
 * Parses the document and finds its operation against the current supergraph: what every later
 * check reads (edge.analysis). Documents that do not parse or resolve are refused here (to an
 * anonymous caller only as UNAUTHENTICATED).
 */
export function analyzeOperation(analyzer: () => OperationAnalyzer | undefined): EdgeCheck {
  return (_req, edge) => {
    const current = analyzer();
    // Apollo Server does not serve before the supergraph is loaded; nothing runs unanalysed either way.
    if (!current) throw refusal(new SubgraphUnavailableError('the gateway is starting'));
    const operationName = typeof edge.params!.operationName === 'string' ? edge.params!.operationName : undefined;
    const outcome = current.analyze(edge.operation!.query, operationName);
    if (!('analysis' in outcome) && !edge.identity) throw refusal(new UnauthenticatedError());
    if ('parseError' in outcome) {
      throw new Refusal(new GraphQLError(outcome.parseError.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }), 400);
    }
    if ('unresolved' in outcome) {
      // Said here: Apollo Gateway would answer it as a 500.
      const message = operationName
        ? `unknown operation named ${JSON.stringify(shortOperationName(operationName))}`
        : 'the document has several operations (or none): send operationName';
      throw new Refusal(new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }), 400);
    }
    const { analysis } = outcome;
    edge.analysis = analysis;
    edge.access.operation = analysis.operationName;
    edge.access.type = analysis.operationType;
    edge.readOnly = analysis.operationType === 'query' && (analysis.requiredRole === null || analysis.requiredRole === VIEWER);
  };
}
