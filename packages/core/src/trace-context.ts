import { randomFillSync } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` is
 * `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. The gateway keeps a caller's
 * trace id (or starts a trace), and each hop sends its own span id as the parent, so logs of
 * every service a request touched share one trace id.
 */
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export interface TraceContext {
  traceId: string;
  /** This hop's span id: the parent id of calls it makes. */
  spanId: string;
  flags: string;
}

// Ids come from a pool refilled 4 KiB at a time: one call into the CSPRNG per ~170 requests
// instead of two per request (it showed in the gateway's profile).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** `bytes` random bytes as hex. */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** The incoming trace (a new span in it), or a new trace when the header is absent or invalid. */
export function traceFrom(headers: IncomingHttpHeaders): TraceContext {
  const raw = headers[TRACEPARENT_HEADER];
  const match = TRACEPARENT.exec(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
  const valid = match && match[1] !== 'ff' && !/^0+$/.test(match[2]!) && !/^0+$/.test(match[3]!) && (match[1] !== '00' || !match[5]);
  return {
    traceId: valid ? match[2]! : randomHex(16),
    spanId: randomHex(8),
    flags: valid ? match[4]! : '00',
  };
}

/** The traceparent header value for calls made within `trace`. */
export function traceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

/** The trace id of a traceparent value, if it is well formed. */
export function traceIdOf(value: string | string[] | undefined): string | undefined {
  const match = TRACEPARENT.exec(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
  return match?.[2];
}
