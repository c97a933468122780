import { traceFrom, traceIdOf, traceparent } from './trace-context';

describe('W3C trace context', () => {
  it('keeps a valid incoming trace id and starts a new span in it', () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const trace = traceFrom({ traceparent: incoming });
    expect(trace.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.flags).toBe('01');
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.spanId).not.toBe('00f067aa0ba902b7');
    expect(traceIdOf(traceparent(trace))).toBe(trace.traceId);
  });

  it('starts a new trace when the header is missing or invalid, with ids unique across many requests', () => {
    for (const header of [
      undefined,
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ]) {
      const trace = traceFrom(header === undefined ? {} : { traceparent: header });
      expect(traceparent(trace)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    }
    // Past several refills of the id pool: no id repeats.
    const ids = new Set(Array.from({ length: 2000 }, () => traceFrom({}).traceId));
    expect(ids.size).toBe(2000);
  });
});
