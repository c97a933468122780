import { ErrorCode, RequestTimeoutError, type Metrics } from '@modelplane/core';
import type { RequestHandler, Response } from 'express';
import type { EdgeRequest, EdgeState } from '../edge-state';

/**
 * The per-request timeout (REQUEST_TIMEOUT_MS): REQUEST_TIMEOUT (504) when no answer is out by
 * then, work in flight is cancelled, and whatever still writes afterwards writes into the void.
 */
export function requestTimeout(timeoutMs: number, metrics: Metrics): RequestHandler {
  return (req: EdgeRequest, res, next) => {
    const edge = req.modelplane!;
    const timer = setTimeout(() => timeOut(edge, res, timeoutMs, metrics), timeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    res.once('finish', clear);
    res.once('close', clear);
    next();
  };
}

function timeOut(edge: EdgeState, res: Response, timeoutMs: number, metrics: Metrics): void {
  if (res.writableEnded) return;
  edge.timedOut = true;
  edge.abort?.();
  const error = new RequestTimeoutError(timeoutMs);
  edge.access.outcome = 'error';
  edge.access.code = ErrorCode.REQUEST_TIMEOUT;
  metrics.countError(edge.access.operation ?? '(unknown)', ErrorCode.REQUEST_TIMEOUT);
  if (res.headersSent) {
    // Part of an answer is out already: all that is left is to cut it.
    res.destroy();
    return;
  }
  res.status(504).json({ errors: [{ message: error.message, extensions: error.extensions }] });
  // Whatever was still working on this request (Apollo Server, a subgraph answer) writes into
  // the void: the client has its answer.
  const quiet = res as unknown as Record<string, unknown>;
  for (const method of ['status', 'set', 'setHeader', 'writeHead', 'json', 'send', 'end']) quiet[method] = () => res;
  quiet.write = () => true;
}
