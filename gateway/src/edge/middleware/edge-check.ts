import type { Metrics } from '@modelplane/core';
import type { RequestHandler } from 'express';
import type { EdgeRequest, EdgeState } from '../edge-state';
import { Refusal, sendRefusal } from '../refusal';

/**
 * One of the gateway's ordered checks, after the body is parsed (like one Hive Gateway plugin):
 * it reads and extends the request's EdgeState, and refuses by throwing a Refusal.
 */
export type EdgeCheck = (req: EdgeRequest, edge: EdgeState) => void | Promise<void>;

/**
 * A check as Express middleware: a Refusal is answered (coded error, HTTP status), anything else
 * goes to Express's error handler; once the request timed out, nothing more happens. A request
 * that is no GraphQL request object (params null) passes untouched: Apollo Server refuses it.
 */
export function edgeMiddleware(check: EdgeCheck, metrics: Metrics): RequestHandler {
  return (req: EdgeRequest, res, next) => {
    const edge = req.modelplane;
    if (!edge) return next(new Error('the request-context middleware must run before the edge checks'));
    if (edge.params === null) return next();
    let pending: void | Promise<void>;
    const failed = (err: unknown) => {
      if (edge.timedOut) return;
      if (err instanceof Refusal) sendRefusal(res, edge, err, metrics);
      else next(err);
    };
    try {
      pending = check(req, edge);
    } catch (err) {
      return failed(err);
    }
    if (!pending) return edge.timedOut ? undefined : next();
    pending.then(() => {
      if (!edge.timedOut) next();
    }, failed);
  };
}
