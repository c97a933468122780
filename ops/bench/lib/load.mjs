// One load generator for the benchmarks that compare paths: autocannon (keep-alive connections,
// each sending its next request when the previous answer arrives), with latency percentiles
// computed from every 2xx response's own duration (autocannon's histogram rounds to whole
// milliseconds, too coarse for sub-millisecond p50s).
import autocannon from 'autocannon';
import { percentile } from './platform.mjs';

/**
 * Runs `connections` connections for `seconds` against `url`.
 *   body       one request body, or
 *   bodies     bodies sent in turn (each request the next one)
 *   headers    fixed headers, or a function called per request (e.g. a signed identity that
 *              must stay fresh over a long run; keep it cheap)
 *   verify     (text) => boolean: a 2xx answer failing it counts as an error (GraphQL errors
 *              travel in 200 responses)
 */
export async function load({ url, body, bodies, headers = {}, connections = 16, seconds, verify }) {
  const dynamic = typeof headers === 'function' || bodies;
  let next = 0;
  const latencies = [];
  const instance = autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    ...(dynamic
      ? {
          headers: { 'content-type': 'application/json' },
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                headers: { ...req.headers, ...(typeof headers === 'function' ? headers() : headers) },
                body: bodies ? bodies[next++ % bodies.length] : body,
              }),
            },
          ],
        }
      : { headers: { 'content-type': 'application/json', ...headers }, body }),
    ...(verify && { verifyBody: verify }),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  return {
    rps: result.requests.average,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total: result.requests.total,
    errors: result.errors + result.non2xx + result.timeouts + (result.mismatches ?? 0),
  };
}
