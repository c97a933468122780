import { hasRole, OPERATOR, PayloadTooLargeError, type Metrics } from '@modelplane/core';
import type { RequestHandler } from 'express';
import type { Authenticator } from '../../auth/authenticator';
import type { EdgeRequest } from '../edge-state';
import type { RateLimiter } from '../rate-limiter';
import { Refusal, refusal, sendRefusal } from '../refusal';
import { authenticateCaller } from './authentication';

export interface BodyLimits {
  /** MAX_REQUEST_BYTES_BEFORE_AUTH: what anyone may send. */
  small: number;
  /** MAX_REQUEST_BYTES: what a caller who may upload (operator, admin) may send. */
  large: number;
}

/**
 * Before any of the body is read: a body declared within `small` (or a GET) is read as is; a
 * larger one, or one of unknown length (chunked), only once the caller is authenticated from
 * its header and may upload (operator and above: createModelVersion carries the artifact). Anyone
 * else gets PAYLOAD_TOO_LARGE (413) at once, the body never buffered; a
 * chunked body from them is answered so and cut as soon as it passes `small`. Nothing large is buffered before
 * authentication.
 */
export function bodyLimit(authenticator: Authenticator, limiter: RateLimiter, limits: BodyLimits, metrics: Metrics): RequestHandler {
  const small = Math.min(limits.small, limits.large);
  return (req: EdgeRequest, res, next) => {
    const edge = req.modelplane!;
    edge.bodyLimit = small;
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (req.method !== 'POST' || small >= limits.large || (declared !== undefined && declared <= small)) return next();
    const refuse = (refused: Refusal) => {
      // Answered now, not after the client sent it all; Node discards whatever of it still comes.
      sendRefusal(res, edge, refused, metrics);
    };
    authenticateCaller(authenticator, limiter, req, edge).then(
      () => {
        const tooLarge = () =>
          refuse(
            refusal(new PayloadTooLargeError(`the request body is larger than ${small} bytes, the limit for callers who may not upload`)),
          );
        if (edge.identity && hasRole(edge.identity, OPERATOR)) edge.bodyLimit = limits.large;
        else if (declared !== undefined) return tooLarge();
        else {
          // Chunked: counted as it arrives (alongside the JSON parser, which would read off all
          // of an oversized body before it answers), answered at the limit.
          let received = 0;
          const count = (chunk: Buffer) => {
            received += chunk.length;
            if (received <= small) return;
            req.off('data', count);
            tooLarge();
          };
          req.on('data', count);
        }
        if (!edge.timedOut) next();
      },
      (err: unknown) => {
        if (edge.timedOut) return;
        if (err instanceof Refusal) refuse(err);
        else next(err);
      },
    );
  };
}
