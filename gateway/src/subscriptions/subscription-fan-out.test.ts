import { ClientStream } from './client-stream';
import { SubscriptionFanOut, type Broadcast } from './subscription-fan-out';
import { canonicalJson } from './subscription-server';
import { backoffDelay, toWebSocketUrl } from './upstream-pool';

function stream(options: Partial<ConstructorParameters<typeof ClientStream>[0]> = {}) {
  const calls = { overflow: 0, close: 0 };
  const s = new ClientStream({
    maxBufferedBytes: 100,
    bufferedAmount: () => 0,
    onOverflow: () => calls.overflow++,
    onClose: () => calls.close++,
    ...options,
  });
  return { s, calls };
}

describe('ClientStream', () => {
  it('hands events to a waiting reader, queues them otherwise, and completes after the queue drains', async () => {
    const { s, calls } = stream();
    const pending = s.next();
    s.push({ data: { n: 1 } }, 10);
    expect(await pending).toEqual({ value: { data: { n: 1 } }, done: false });
    s.push({ data: { n: 2 } }, 10);
    s.push({ data: { n: 3 } }, 10);
    s.end();
    expect((await s.next()).value).toEqual({ data: { n: 2 } });
    expect((await s.next()).value).toEqual({ data: { n: 3 } });
    expect((await s.next()).done).toBe(true);
    expect(calls).toEqual({ overflow: 0, close: 1 });
  });

  it('cuts off a reader that falls behind by more than the limit (its queue plus the socket buffer)', async () => {
    let socketBuffer = 0;
    const { s, calls } = stream({ bufferedAmount: () => socketBuffer });
    expect(s.push({ data: {} }, 60)).toBe(true);
    expect(s.push({ data: {} }, 60)).toBe(true); // 60 behind: still within 100
    socketBuffer = 50;
    expect(s.push({ data: {} }, 60)).toBe(false); // 120 + 50 behind
    expect(calls).toEqual({ overflow: 1, close: 1 });
    expect((await s.next()).done).toBe(true);
    expect(s.push({ data: {} }, 1)).toBe(false);
    expect(calls.overflow).toBe(1);
  });

  it('closes once when graphql-ws returns it, releasing a waiting reader', async () => {
    const { s, calls } = stream();
    const pending = s.next();
    await s.return();
    await s.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(calls.close).toBe(1);
  });
});

describe('SubscriptionFanOut', () => {
  it('opens one upstream per key, broadcasts to every subscriber, and stops it when the last leaves', () => {
    const fanOut = new SubscriptionFanOut();
    let opened = 0;
    let stopped = 0;
    let broadcast: Broadcast | undefined;
    const open = (b: Broadcast) => {
      opened++;
      broadcast = b;
      return () => stopped++;
    };
    const a = stream();
    const b = stream();
    const leaveA = fanOut.join('k', a.s, open);
    const leaveB = fanOut.join('k', b.s, open);
    expect(opened).toBe(1);
    expect(fanOut.subscribers('k')).toBe(2);
    broadcast!.next({ data: { x: 1 } });
    expect(a.s.pending + b.s.pending).toBe(2);
    leaveA();
    leaveA();
    expect(stopped).toBe(0);
    leaveB();
    expect(stopped).toBe(1);
    expect(fanOut.size).toBe(0);
    fanOut.join('k', stream().s, open);
    expect(opened).toBe(2);
  });

  it('ends every subscriber when the upstream completes, and a later join opens a new one', async () => {
    const fanOut = new SubscriptionFanOut();
    let stops = 0;
    let broadcast: Broadcast | undefined;
    const open = (b: Broadcast) => {
      broadcast = b;
      return () => stops++;
    };
    const a = stream();
    fanOut.join('k', a.s, open);
    broadcast!.next({ errors: [{ message: 'refused' }] });
    broadcast!.complete();
    broadcast!.next({ data: {} });
    expect((await a.s.next()).value).toEqual({ errors: [{ message: 'refused' }] });
    expect((await a.s.next()).done).toBe(true);
    expect(stops).toBe(1);
    expect(fanOut.size).toBe(0);
  });

  it('copes with an upstream that completes while it is being opened', () => {
    const fanOut = new SubscriptionFanOut();
    let stops = 0;
    const a = stream();
    fanOut.join('k', a.s, (b) => {
      b.complete();
      return () => stops++;
    });
    expect(stops).toBe(1);
    expect(fanOut.size).toBe(0);
    expect(a.calls.close).toBe(1);
  });
});

describe('helpers', () => {
  it('backs off exponentially from 100 ms up to the cap, with jitter in the upper half', () => {
    const low = (n: number) => backoffDelay(n, 5000, () => 0);
    const high = (n: number) => backoffDelay(n, 5000, () => 1);
    expect([0, 1, 2, 3, 6, 7, 50].map(high)).toEqual([100, 200, 400, 800, 5000, 5000, 5000]);
    expect([0, 1, 7].map(low)).toEqual([50, 100, 2500]);
  });

  it('derives subgraph websocket URLs and canonical variables', () => {
    expect(toWebSocketUrl('http://127.0.0.1:4001/graphql')).toBe('ws://127.0.0.1:4001/graphql');
    expect(toWebSocketUrl('https://registry.internal/graphql')).toBe('wss://registry.internal/graphql');
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [2, { e: 0, f: 1 }] }, b: 1 }),
    );
  });
});
