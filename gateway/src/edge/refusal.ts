import { ErrorCode, HTTP_STATUS, type Metrics } from '@modelplane/core';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import type { EdgeState } from './edge-state';

/** A request refused at the edge: a coded GraphQL error with its HTTP status; nothing has run. */
export class Refusal extends Error {
  constructor(
    readonly error: GraphQLError,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.message);
  }
}

/** A refusal with the HTTP status of the error's code. */
export function refusal(error: GraphQLError, headers?: Record<string, string>): Refusal {
  const code = error.extensions?.code as ErrorCode | undefined;
  return new Refusal(error, (code && HTTP_STATUS[code]) ?? 400, headers);
}

/** A request that is not a valid GraphQL request (Apollo Server's own code for those). */
export function badRequest(message: string): Refusal {
  return new Refusal(new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } }), 400);
}

/** Answers a refusal (once; counted, and noted for the access log). */
export function sendRefusal(res: Response, edge: EdgeState, refused: Refusal, metrics: Metrics): void {
  const code = String(refused.error.extensions?.code ?? ErrorCode.BAD_USER_INPUT);
  edge.access.outcome = 'refused';
  edge.access.code = code;
  metrics.countError('(refused)', code);
  if (res.headersSent) return;
  const { http: _http, ...extensions } = refused.error.extensions ?? {};
  res
    .status(refused.status)
    .set(refused.headers)
    .json({ errors: [{ message: refused.error.message, extensions: { ...extensions, code } }] });
}
