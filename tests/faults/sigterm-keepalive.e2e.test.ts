import { connect, type Socket } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { Client } from 'pg';
import { createLogger, Metrics, startHttpService, type RunningService } from '@modelplane/core';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { startPlatform, TEST_ADMIN_KEY, type Platform } from '../support/processes';
import { serveNumericModel } from '../support/models';
import { sleep, until } from './helpers';

/**
 * Graceful shutdown with HTTP/1.1 keep-alive, seen from raw sockets: what was received before
 * draining is answered and only the last answer on a connection says `Connection: close`; a
 * request that begins on a kept-alive connection afterwards is answered in full, or refused with
 * SHUTTING_DOWN, or never read, and in no case runs without being answered. First on the HTTP
 * service every process runs (startHttpService, in this process, with resolvers that wait for
 * the test so nothing depends on timing), then through `modelplane-server all` and SIGTERM.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 connection driven byte by byte, parsing the responses the server sends back. */
class RawConnection {
  readonly responses: RawResponse[] = [];
  /** The server closed its side (FIN). */
  ended = false;
  private buffer = Buffer.alloc(0);

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.parse();
    });
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => undefined);
  }

  /** allowHalfOpen: the test, not Node, decides whether to keep writing after the server's FIN. */
  static open(port: number): Promise<RawConnection> {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    return new Promise((resolve, reject) => socket.once('connect', () => resolve(new RawConnection(socket))).once('error', reject));
  }

  write(data: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  response(index: number): Promise<RawResponse> {
    return until(`response ${index}`, async () => this.responses[index]);
  }

  private parse(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const body =
        headers['transfer-encoding'] === 'chunked' ? this.chunked(end + 4) : this.sized(end + 4, Number(headers['content-length'] ?? 0));
      if (!body) return;
      this.responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: body.text });
      this.buffer = this.buffer.subarray(body.next);
    }
  }

  private sized(start: number, length: number): { text: string; next: number } | null {
    if (this.buffer.length < start + length) return null;
    return { text: this.buffer.subarray(start, start + length).toString(), next: start + length };
  }

  /** The gateway's fast path streams the subgraph's answer: chunked transfer encoding. */
  private chunked(start: number): { text: string; next: number } | null {
    const parts: Buffer[] = [];
    for (let at = start; ;) {
      const eol = this.buffer.indexOf('\r\n', at);
      if (eol < 0) return null;
      const size = parseInt(this.buffer.subarray(at, eol).toString('latin1'), 16);
      if (this.buffer.length < eol + 2 + size + 2) return null;
      if (size === 0) return { text: Buffer.concat(parts).toString(), next: eol + 4 };
      parts.push(this.buffer.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
}

const graphqlPost = (query: string, variables?: Record<string, unknown>) => {
  const body = JSON.stringify({ query, variables });
  return (
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
};
/** `hold` runs until the test releases it; `record` is the side effect whose execution is checked. */
const hold = (key: string) => graphqlPost(`{ hold(key: "${key}") }`);
const record = (key: string) => graphqlPost(`mutation { record(key: "${key}") }`);

interface TestService {
  service: RunningService;
  /** Keys of every `record` mutation that ran. */
  executed: string[];
  held: Map<string, () => void>;
}

async function startTestService(beforeDrain?: () => Promise<void>): Promise<TestService> {
  const executed: string[] = [];
  const held = new Map<string, () => void>();
  const service = await startHttpService({
    name: 'drain-test',
    logger: createLogger('drain-test', 'silent'),
    metrics: new Metrics('drain-test'),
    host: '127.0.0.1',
    port: 0,
    bodyLimit: 100_000,
    ready: async () => true,
    // As the gateway and the subgraphs build theirs: Apollo's drain plugin on the same server.
    apollo: (httpServer) =>
      new ApolloServer({
        typeDefs: 'type Query { hold(key: String!): String! } type Mutation { record(key: String!): String! }',
        resolvers: {
          Query: { hold: (_: unknown, { key }: { key: string }) => new Promise<string>((resolve) => held.set(key, () => resolve(key))) },
          Mutation: {
            record: (_: unknown, { key }: { key: string }) => {
              executed.push(key);
              return key;
            },
          },
        },
        stopOnTerminationSignals: false,
        plugins: [ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 20_000 })],
      }),
    context: async () => ({}),
    beforeDrain,
  });
  return { service, executed, held };
}

const release = async (t: TestService, key: string) => (await until(`hold ${key} running`, async () => t.held.get(key)))();
const codeOf = (r: RawResponse) =>
  (JSON.parse(r.body) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;

describe('graceful shutdown of the HTTP service with keep-alive connections', () => {
  let t: TestService | undefined;
  const connections: RawConnection[] = [];
  const open = async () => {
    const c = await RawConnection.open(t!.service.port);
    connections.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of connections.splice(0)) c.socket.destroy();
    for (const resolve of t?.held.values() ?? []) resolve();
    await t?.service.stop();
    t = undefined;
  });

  it('answers two requests pipelined before draining began; only the last answer says Connection: close', async () => {
    t = await startTestService();
    const c = await open();
    await c.write(hold('A') + hold('B'));
    // Both are received and running; B's answer will wait for A's.
    await until('both requests running', async () => t!.held.has('A') && t!.held.has('B'));
    const stopped = t.service.stop();
    await sleep(50);
    await release(t, 'A');
    await release(t, 'B');
    const [first, second] = [await c.response(0), await c.response(1)];
    expect([first.status, first.headers.connection, first.body]).toEqual([200, 'keep-alive', '{"data":{"hold":"A"}}\n']);
    expect([second.status, second.headers.connection, second.body]).toEqual([200, 'close', '{"data":{"hold":"B"}}\n']);
    await until('the server closes the connection', async () => c.ended);
    await stopped;
  });

  it('answers a pipelined request whose answer was ready before draining began, then closes the connection', async () => {
    t = await startTestService();
    const c = await open();
    await c.write(hold('A') + record('P'));
    // P has run and its answer (headers included) waits behind A's.
    await until('both requests received', async () => t!.held.has('A') && t!.executed.includes('P'));
    const stopped = t.service.stop();
    await sleep(50);
    await release(t, 'A');
    const [first, second] = [await c.response(0), await c.response(1)];
    expect([first.status, second.status, second.body]).toEqual([200, 200, '{"data":{"record":"P"}}\n']);
    await until('the server closes the connection', async () => c.ended);
    await stopped;
  });

  it('answers a request pipelined behind one still running after draining began, then closes', async () => {
    t = await startTestService();
    const c = await open();
    await c.write(hold('A'));
    await until('hold A running', async () => t!.held.has('A'));
    const stopped = t.service.stop();
    await sleep(50);
    // Sent before the client saw any answer: it cannot have been told to stop using the connection.
    await c.write(record('Q'));
    await until('record Q ran', async () => t!.executed.includes('Q'));
    await release(t, 'A');
    const [first, second] = [await c.response(0), await c.response(1)];
    expect([first.status, first.headers.connection]).toEqual([200, 'keep-alive']);
    expect([second.status, second.headers.connection, second.body]).toEqual([200, 'close', '{"data":{"record":"Q"}}\n']);
    await stopped;
  });

  it('closes idle keep-alive connections and refuses, without running it, a request that begins on an idle connection', async () => {
    // Long-lived connections still closing: HTTP is draining but the listener is still open.
    let finishBeforeDrain = () => undefined as void;
    t = await startTestService(() => new Promise<void>((resolve) => (finishBeforeDrain = resolve)));
    const idle = await open();
    await idle.write(record('before'));
    expect((await idle.response(0)).headers.connection).toBe('keep-alive');
    // Headers half sent: the server is reading a request on this one, so it is not idle.
    const partial = await open();
    const late = record('late');
    const split = late.indexOf('Content-Type');
    await partial.write(late.slice(0, split));
    const busy = await open();
    await busy.write(hold('B'));
    await until('hold B running', async () => t!.held.has('B'));

    const stopped = t.service.stop();
    await until('the idle connection is closed', async () => idle.ended);
    expect(idle.responses).toHaveLength(1);

    await partial.write(late.slice(split));
    const refused = await partial.response(0);
    expect([refused.status, refused.headers.connection, codeOf(refused)]).toEqual([503, 'close', 'SHUTTING_DOWN']);
    await until('the refused connection is closed', async () => partial.ended);

    const fresh = await open();
    await fresh.write(record('new-connection'));
    const refusedToo = await fresh.response(0);
    expect([refusedToo.status, codeOf(refusedToo)]).toEqual([503, 'SHUTTING_DOWN']);

    // Probes still get their answer (readiness says draining), on a closing connection.
    const probe = await open();
    await probe.write('GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const ready = await probe.response(0);
    expect([ready.status, ready.headers.connection, JSON.parse(ready.body).status]).toEqual([503, 'close', 'draining']);

    finishBeforeDrain();
    await release(t, 'B');
    const answered = await busy.response(0);
    expect([answered.status, answered.headers.connection, answered.body]).toEqual([200, 'close', '{"data":{"hold":"B"}}\n']);
    await stopped;
    expect(t.executed).toEqual(['before']);
  });

  it('never runs a request that arrives after the server shut its side of the connection', async () => {
    t = await startTestService();
    const c = await open();
    const late = record('after-fin');
    const split = late.indexOf('Content-Type');
    await c.write(late.slice(0, split));
    // Apollo's drain ends connections with no request in flight, this one among them.
    const stopped = t.service.stop();
    await until('the server ends its side', async () => c.ended);
    await c.write(late.slice(split)).catch(() => undefined);
    // The drain ends once every connection is gone: the server has read the rest by then.
    await stopped;
    await sleep(100);
    expect(c.responses).toEqual([]);
    expect(t.executed).toEqual([]);
  });
});

describe('SIGTERM and requests sent on kept-alive connections after it', () => {
  const MODEL = 'keepalive';
  const row = (i: number) => ({ a: (i % 17) / 10, b: (i % 5) / 3, c: -(i % 11) / 7 });
  const batch = graphqlPost('query B($rows: [JSONObject!]!) { predictBatch(model: "keepalive", rows: $rows) { id } }', {
    rows: Array.from({ length: 10000 }, (_, r) => row(r)),
  });
  const register = (name: string) =>
    graphqlPost('mutation R($i: RegisterModelInput!) { registerModel(input: $i) { name } }', {
      i: { name, task: 'REGRESSION', features: [{ name: 'x', type: 'NUMERIC' }] },
    });
  let db: TestDatabase;
  let platform: Platform;

  beforeAll(async () => {
    db = await createTestDatabase('faults_sigterm_keepalive');
    platform = await startPlatform(db.url);
    await serveNumericModel(platform.url, MODEL, logisticModel([0.4, -0.9, 0.25], 0.05).base64, ['a', 'b', 'c']);
  });

  afterAll(async () => {
    await platform?.stop('SIGKILL');
    await db?.drop();
  });

  it('answers in full, or refuses with SHUTTING_DOWN without running, every mutation sent after the signal', async () => {
    const port = platform.ports.PORT!;
    // Idle kept-alive connections (one request answered each) and busy ones (a 10 000-row batch
    // in flight, or just answered, when the signal comes: timing decides, the rule holds for both).
    const idle = await Promise.all(Array.from({ length: 6 }, () => RawConnection.open(port)));
    await Promise.all(idle.map((c, i) => c.write(register(`warm-${i}`))));
    await Promise.all(idle.map((c) => c.response(0)));
    const busy = await Promise.all(Array.from({ length: 4 }, () => RawConnection.open(port)));
    await Promise.all(busy.map((c) => c.write(batch)));
    await sleep(20);

    const exited = platform.stop('SIGTERM');
    // Each connection's second request: the first was answered (idle) or is the batch (busy).
    const after = [...idle, ...busy].map((c, i) => ({ c, name: `after-${i}`, answerAt: 1 }));
    await Promise.all(after.map(({ c, name }) => c.write(register(name)).catch(() => undefined)));
    // New connections after the signal: refused at connect, or with SHUTTING_DOWN.
    const fresh = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        RawConnection.open(port).then(
          async (c) => {
            await c.write(register(`fresh-${i}`)).catch(() => undefined);
            return { c, name: `fresh-${i}`, answerAt: 0 };
          },
          () => null,
        ),
      ),
    );
    expect(await exited).toBe(0);
    await sleep(200);
    for (const c of [...idle, ...busy, ...fresh.map((f) => f?.c)]) c?.socket.destroy();

    const sent = [...after, ...fresh.filter((f) => f !== null)];
    const outcomes = sent.map(({ c, name, answerAt }) => {
      const r = c.responses[answerAt];
      if (!r) return { name, outcome: 'no answer' as const };
      const parsed = JSON.parse(r.body) as {
        data?: { registerModel?: { name: string } };
        errors?: Array<{ extensions?: { code?: string } }>;
      };
      if (r.status === 200 && parsed.data?.registerModel?.name === name) return { name, outcome: 'answered' as const };
      return { name, outcome: `${r.status} ${parsed.errors?.[0]?.extensions?.code} ${r.headers.connection}` };
    });
    // Anything but a full answer is a refusal the client can read: 503, SHUTTING_DOWN, connection closed.
    expect(outcomes.filter((o) => !['answered', 'no answer', '503 SHUTTING_DOWN close'].includes(o.outcome))).toEqual([]);
    // Every earlier answer on a busy connection was a whole one.
    for (const c of busy) expect(c.responses[0]?.status ?? 200).toBe(200);

    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ name: string }>(
        "SELECT name FROM registry.model WHERE name LIKE 'after-%' OR name LIKE 'fresh-%' ORDER BY name",
      );
      // Run exactly when answered: nothing created for a refused or unread request.
      expect(rows.map((r) => r.name)).toEqual(
        outcomes
          .filter((o) => o.outcome === 'answered')
          .map((o) => o.name)
          .sort(),
      );
    } finally {
      await sql.end();
    }
    const count = (what: string) => outcomes.filter((o) => o.outcome === what).length;
    console.log(
      `after SIGTERM: ${count('answered')} answered in full, ${count('503 SHUTTING_DOWN close')} refused with SHUTTING_DOWN, ` +
        `${count('no answer')} not read (connection closed); ${fresh.filter((f) => f === null).length} new connections refused`,
    );
  });
});
