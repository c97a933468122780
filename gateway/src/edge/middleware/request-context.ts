import { IDENTITY_HEADER, REQUEST_ID_HEADER, requestIdFrom, traceFrom, traceparent, TRACEPARENT_HEADER } from '@modelplane/core';
import type { RequestHandler } from 'express';
import type { EdgeRequest, EdgeState } from '../edge-state';

/**
 * First on /graphql, before the body is read: the request id, the W3C trace context, the
 * request's EdgeState; identity headers from the client are dropped (only the gateway vouches
 * for identities).
 */
export function requestContext(): RequestHandler {
  return (req: EdgeRequest, res, next) => {
    const requestId = requestIdFrom(req.headers);
    const trace = traceFrom(req.headers);
    const edge: EdgeState = {
      requestId,
      trace,
      traceparent: traceparent(trace),
      identity: null,
      authenticated: false,
      access: { operation: null, type: null },
      variables: {},
      checked: false,
      bodyRewritten: false,
      timedOut: false,
      readOnly: false,
    };
    req.modelplane = edge;
    delete req.headers[IDENTITY_HEADER];
    // What the fast path and Apollo's context read: the same request id and this hop's trace.
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.headers[TRACEPARENT_HEADER] = edge.traceparent;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    next();
  };
}
