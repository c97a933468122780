import { ForbiddenError, hasRole, UnauthenticatedError, type Identity } from '@modelplane/core';
import type { OperationAnalysis } from '../operation-analysis';
import { refusal } from '../refusal';
import type { EdgeCheck } from './edge-check';

/** FORBIDDEN unless the identity has the role the operation's root fields need (schema/roles.json). */
export function checkRole(analysis: OperationAnalysis, identity: Identity): void {
  if (analysis.requiredRole && !hasRole(identity, analysis.requiredRole)) {
    throw refusal(new ForbiddenError(`this operation needs the ${analysis.requiredRole} role`, { requiredRole: analysis.requiredRole }));
  }
}

/**
 * Anonymous callers run nothing, except introspection only (`__schema`, `__type`, `__typename`)
 * while INTROSPECTION is on (Sandbox); everyone else needs the operation's role.
 */
export function authorization(introspection: boolean): EdgeCheck {
  return (_req, edge) => {
    const analysis = edge.analysis!;
    if (edge.identity) checkRole(analysis, edge.identity);
    else if (!(analysis.requiredRole === null && introspection)) throw refusal(new UnauthenticatedError());
  };
}
