import type { NextFunction, Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { AccessRecord, EdgeRequest } from './edge-state';

/** What the first of several identical requests answered, replayed to the others. */
interface SharedAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  access: Pick<AccessRecord, 'outcome' | 'code'>;
}

/** Requests whose body is larger are not shared (the key holds the body). */
const MAX_SHARED_REQUEST_BYTES = 16 * 1024;
/** Answers larger than this are not kept for others: they execute on their own. */
const MAX_SHARED_ANSWER_BYTES = 1024 * 1024;

/**
 * Request coalescing ("single flight") at the gateway's edge: while a read-only query is being
 * answered, identical ones (same caller identity, same request body: document, variables and
 * operation name, same Accept header) wait for that answer instead of running again. Dashboards
 * and UIs polling the same query at once then cost one execution. Only requests the guard marked
 * read-only are shared (queries that need at most viewer: predict needs operator because it
 * logs); nothing is cached: a request that arrives after the answer was sent runs again. If the
 * first request ends without a complete 2xx answer (client gone, timed out, answer too large), the
 * waiting ones run on their own.
 */
export class OperationCoalescer {
  private readonly inFlight = new Map<string, Promise<SharedAnswer | null>>();
  private readonly coalesced: Counter;

  constructor(registry: Registry) {
    this.coalesced = new Counter({
      name: 'modelplane_gateway_coalesced_requests_total',
      help: 'Read-only requests answered with the answer of an identical request already in flight',
      registers: [registry],
    });
  }

  /** Express middleware: after the request guard, before the fast path and Apollo Server. */
  handle = (req: EdgeRequest, res: Response, next: NextFunction): void => {
    const edge = req.modelplane;
    const raw = req.rawBody;
    if (req.method !== 'POST' || !edge?.checked || !edge.readOnly || edge.bodyRewritten || !raw || raw.length > MAX_SHARED_REQUEST_BYTES) {
      next();
      return;
    }
    const identity = edge.identity;
    const key = `${identity ? `${identity.subject}\u0000${identity.roles.join(',')}` : ''}\u0000${req.headers.accept ?? ''}\u0000${raw.toString('latin1')}`;
    const pending = this.inFlight.get(key);
    if (pending) {
      void pending.then((answer) => {
        if (edge.timedOut || res.headersSent || res.destroyed) return;
        if (!answer) {
          next();
          return;
        }
        this.coalesced.inc();
        // The fast path records its outcome after the answer ends: read it from the body then.
        edge.access.outcome =
          answer.access.outcome ?? (answer.body.subarray(0, 10).toString('latin1').startsWith('{"errors"') ? 'error' : 'ok');
        if (answer.access.code) edge.access.code = answer.access.code;
        res.status(answer.status);
        if (answer.contentType) res.setHeader('content-type', answer.contentType);
        res.end(answer.body);
      });
      return;
    }
    let settle!: (answer: SharedAnswer | null) => void;
    const shared = new Promise<SharedAnswer | null>((resolve) => (settle = resolve));
    this.inFlight.set(key, shared);
    let settled = false;
    const finish = (answer: SharedAnswer | null) => {
      if (settled) return;
      settled = true;
      this.inFlight.delete(key);
      settle(answer);
    };
    this.capture(res, edge.access, finish);
    res.once('close', () => finish(null));
    next();
  };

  /** Records what the response writes, and hands it on when it ends complete. */
  private capture(res: Response, access: AccessRecord, finish: (answer: SharedAnswer | null) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.isBuffer(chunk)
            ? chunk
            : chunk instanceof Uint8Array
              ? Buffer.from(chunk)
              : undefined;
      if (!buffer) return void (overflow = true);
      size += buffer.length;
      if (size > MAX_SHARED_ANSWER_BYTES) overflow = true;
      else chunks.push(buffer);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as Response['write'];
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      const contentType = res.getHeader('content-type');
      // Only a complete 2xx answer is shared: a refusal or a timeout belongs to the first request
      // (a request that arrived later has not waited as long), so the others run on their own.
      finish(
        overflow || res.statusCode < 200 || res.statusCode >= 300
          ? null
          : {
              status: res.statusCode,
              contentType: typeof contentType === 'string' ? contentType : undefined,
              body: Buffer.concat(chunks),
              access: { outcome: access.outcome, code: access.code },
            },
      );
      return end(...args);
    }) as Response['end'];
  }
}
