import { shortOperationName, type Logger } from '@modelplane/core';
import type { RequestHandler, Response } from 'express';
import type { EdgeRequest, EdgeState } from '../edge-state';

/** One access-log line per request when it ends, whichever path answered it (refusals included). */
export function accessLog(logger: Logger): RequestHandler {
  return (req: EdgeRequest, res, next) => {
    const started = process.hrtime.bigint();
    const edge = req.modelplane!;
    let logged = false;
    const finished = () => {
      if (logged) return;
      logged = true;
      // A browser opening the landing page is not an operation.
      if (req.method === 'GET' && !edge.access.type && !edge.access.outcome && res.statusCode < 400) return;
      writeLine(logger, edge, res, started);
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };
}

function writeLine(logger: Logger, edge: EdgeState, res: Response, started: bigint): void {
  const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
  const { access, identity } = edge;
  const outcome = access.outcome ?? (res.statusCode < 400 ? 'ok' : 'error');
  logger.info(
    {
      requestId: edge.requestId,
      traceId: edge.trace.traceId,
      // Client-chosen: cut, so a megabyte-long name is not a megabyte-long log line.
      operation: shortOperationName(access.operation),
      type: access.type,
      ms,
      status: res.statusCode,
      outcome,
      ...(access.code && { code: access.code }),
      subject: identity?.subject ?? null,
      ...(identity?.keyId && { keyId: identity.keyId }),
    },
    'graphql',
  );
}
