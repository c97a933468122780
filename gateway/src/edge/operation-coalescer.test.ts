import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Registry } from 'prom-client';
import { OperationCoalescer } from './operation-coalescer';
import type { EdgeRequest, EdgeState } from './edge-state';

/**
 * The coalescer in a real Express server over HTTP, in front of a handler that counts executions
 * and answers slowly (so identical requests overlap). The test header x-test-* stands in for what
 * the request guard decides (caller, read-only).
 */
describe('request coalescing at the gateway edge', () => {
  let server: Server;
  let url: string;
  let executions = 0;
  let registry: Registry;

  beforeEach(async () => {
    executions = 0;
    registry = new Registry();
    const coalescer = new OperationCoalescer(registry);
    const app = express();
    app.use(
      express.json({
        verify: (req, _res, buf) => {
          (req as EdgeRequest).rawBody = Buffer.from(buf);
        },
      }),
    );
    app.use((req, _res, next) => {
      (req as EdgeRequest).modelplane = {
        checked: true,
        readOnly: req.headers['x-test-read-only'] === 'yes',
        identity: { subject: String(req.headers['x-test-caller']), roles: ['viewer'] },
        access: { operation: null, type: null },
        bodyRewritten: false,
        timedOut: false,
      } as unknown as EdgeState;
      next();
    });
    app.use(coalescer.handle);
    app.post('/graphql', (req, res) => {
      const n = ++executions;
      const caller = String(req.headers['x-test-caller']);
      setTimeout(() => {
        if (req.headers['x-test-fail'] === 'yes' && n === 1) {
          res.status(504).json({ errors: [{ message: 'timed out', extensions: { code: 'REQUEST_TIMEOUT' } }] });
        } else if (req.headers['x-test-stream'] === 'yes') {
          res.status(200).type('application/json');
          res.write('{"data":');
          res.end(JSON.stringify({ caller, n }) + '}');
        } else res.status(200).json({ data: { caller, n } });
      }, 60);
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = async (caller: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-caller': caller, 'x-test-read-only': 'yes', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as { data: { caller: string; n: number } },
    };
  };
  const coalesced = async () => (await registry.getSingleMetric('modelplane_gateway_coalesced_requests_total')!.get()).values[0]!.value;

  it('identical read-only requests from one caller in flight at once run once and all get the whole answer', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => send('alice', { query: '{ a }' })));
    expect(executions).toBe(1);
    for (const a of answers)
      expect(a).toEqual({ status: 200, type: 'application/json; charset=utf-8', body: { data: { caller: 'alice', n: 1 } } });
    expect(await coalesced()).toBe(5);
    // Nothing is kept: the same request later runs again.
    expect((await send('alice', { query: '{ a }' })).body.data.n).toBe(2);
  });

  it('a streamed answer (written in parts, as the fast path does) is shared whole', async () => {
    const answers = await Promise.all(Array.from({ length: 3 }, () => send('alice', { query: '{ s }' }, { 'x-test-stream': 'yes' })));
    expect(executions).toBe(1);
    for (const a of answers) expect(a.body).toEqual({ data: { caller: 'alice', n: 1 } });
  });

  it('a first request that fails (timeout, refusal) does not fail the others: they run on their own', async () => {
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => send('alice', { query: '{ t }' }, { 'x-test-fail': 'yes' }).catch(() => null)),
    );
    expect(answers.map((a) => a?.status).sort()).toEqual([200, 200, 504]);
    expect(executions).toBe(3);
    expect(await coalesced()).toBe(0);
  });

  it('never shares between callers, different bodies, or requests that are not read-only', async () => {
    const answers = await Promise.all([
      send('alice', { query: '{ a }' }),
      send('bob', { query: '{ a }' }),
      send('alice', { query: '{ a }', variables: { x: 1 } }),
      send('alice', { query: '{ predict }' }, { 'x-test-read-only': 'no' }),
      send('alice', { query: '{ predict }' }, { 'x-test-read-only': 'no' }),
    ]);
    expect(executions).toBe(5);
    expect(answers.map((a) => a.body.data.caller)).toEqual(['alice', 'bob', 'alice', 'alice', 'alice']);
    expect(new Set(answers.map((a) => a.body.data.n)).size).toBe(5);
    expect(await coalesced()).toBe(0);
  });
});
