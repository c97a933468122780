import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, HTTP_STATUS } from './errors';

interface SocketState {
  /** Requests received on this socket whose responses have not finished (pipelined ones included). */
  inFlight: number;
  /** The most recently received request: only its response may announce `Connection: close`. */
  newest: IncomingMessage | undefined;
  /** A response announcing `Connection: close` is on its way: Node writes nothing after it. */
  closing: boolean;
}

export interface ConnectionDrain {
  /** The HTTP server's request listener: hands requests to the app unless draining refuses them. */
  listener: RequestListener;
  readonly draining: boolean;
  /**
   * Starts draining: requests already received complete, and the response to the last one on
   * each socket carries `Connection: close`. After one event-loop turn idle keep-alive sockets
   * are closed, and a request that begins on a socket with nothing in flight is refused (503,
   * SHUTTING_DOWN) without running; one arriving behind a closing response is never run.
   */
  start(server: Server): void;
}

/** Side-effect-free endpoints that still answer while draining (probes must see "draining", not a refusal). */
const ANSWERED_WHILE_DRAINING = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Set on a refusal while draining: the request was not run, so a gateway may send it again on a
 * new connection (to another replica), mutations included.
 */
export const NOT_EXECUTED_HEADER = 'x-modelplane-not-executed';

function refuse(res: ServerResponse): void {
  const body = JSON.stringify({
    errors: [
      {
        message: 'the service is shutting down; send the request again on a new connection',
        extensions: { code: ErrorCode.SHUTTING_DOWN },
      },
    ],
  });
  res.writeHead(HTTP_STATUS[ErrorCode.SHUTTING_DOWN] ?? 503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    'retry-after': '0',
    [NOT_EXECUTED_HEADER]: '1',
  });
  res.end(body);
}

/**
 * Per-connection graceful shutdown for HTTP/1.1 keep-alive. Closing every connection after its
 * current response cuts off requests a client pipelined before the signal; leaving keep-alive on
 * lets a client send its next request onto a socket about to be closed, which then runs but can
 * never be answered. So each socket is tracked: what it has received is served, only its last
 * response says `Connection: close`, and anything arriving later is refused or never run.
 */
export function connectionDrain(handler: RequestListener): ConnectionDrain {
  const sockets = new WeakMap<Socket, SocketState>();
  let draining = false;
  let refusing = false;

  const listener: RequestListener = (req, res) => {
    const socket = req.socket;
    let state = sockets.get(socket);
    if (!state) {
      state = { inFlight: 0, newest: undefined, closing: false };
      sockets.set(socket, state);
    }
    if (draining) {
      if (state.closing || !socket.writable) {
        // Node will never write an answer here (a closing response is ahead of it, or the write
        // side is shut): not running it is the only outcome the client cannot misread.
        req.resume();
        if (!state.closing) socket.destroySoon();
        return;
      }
      const path = (req.url ?? '').split('?')[0]!;
      if (refusing && state.inFlight === 0 && !(req.method === 'GET' && ANSWERED_WHILE_DRAINING.has(path))) {
        state.closing = true;
        refuse(res);
        return;
      }
    }
    const own = state;
    own.inFlight++;
    own.newest = req;
    let finished = false;
    const onDone = () => {
      if (finished) return;
      finished = true;
      own.inFlight--;
      // Headers sent before draining began carried no close: end the connection ourselves once
      // its last response is out (destroySoon flushes first).
      if (draining && own.inFlight === 0 && !own.closing && socket.writable) socket.destroySoon();
    };
    res.once('finish', onDone);
    res.once('close', onDone);
    // Decided when the headers go out, the latest moment, so a request pipelined behind this one
    // and parsed meanwhile keeps the connection open for its own answer.
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (draining && own.newest === req && !this.headersSent) {
        own.closing = true;
        this.setHeader('connection', 'close');
      }
      return Reflect.apply(writeHead, this, args) as ServerResponse;
    } as ServerResponse['writeHead'];
    handler(req, res);
  };

  return {
    listener,
    get draining() {
      return draining;
    },
    start(server) {
      if (draining) return;
      draining = true;
      // One turn of the event loop first: requests already in the kernel's buffers when the
      // signal came (sent before it) are read in this poll phase and served, not refused.
      setImmediate(() => {
        refusing = true;
        // Sockets between requests (websockets are no longer HTTP connections and are untouched).
        server.closeIdleConnections();
      });
    },
  };
}
