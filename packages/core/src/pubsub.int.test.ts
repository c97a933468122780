import { createTestDatabase, type TestDatabase } from '../../../tests/support/database';
import { createLogger } from './logger';
import { PgPubSub, SubscriberOverflowError } from './pubsub';

const logger = createLogger('test', 'silent');

/** The topics of these tests and their payloads (the subgraphs use the contracts' EventPayloads). */
interface TestEvents {
  alerts: { n: number };
  flood: { i: number };
  burst: { i: number };
  big: { blob: string };
}

async function take(it: AsyncIterator<unknown>, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value);
  return out;
}

describe('PgPubSub over LISTEN/NOTIFY', () => {
  let db: TestDatabase;
  let a: PgPubSub<TestEvents>;
  let b: PgPubSub<TestEvents>;

  beforeAll(async () => {
    db = await createTestDatabase('pubsub');
    a = new PgPubSub<TestEvents>({ url: db.url, logger });
    b = new PgPubSub<TestEvents>({ url: db.url, logger, maxQueue: 3 });
    await Promise.all([a.start(), b.start()]);
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('delivers an event published on one replica once to subscribers on every replica, in order', async () => {
    const onA = a.subscribe('alerts', 'm1');
    const onB = b.subscribe('alerts', 'm1');
    const other = b.subscribe('alerts', 'm2');
    await a.publish('alerts', { n: 1 }, 'm1');
    await a.publish('alerts', { n: 2 }, 'm1');
    expect(await take(onA, 2)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await take(onB, 2)).toEqual([{ n: 1 }, { n: 2 }]);
    await onA.return?.();
    await onB.return?.();
    // Nothing arrived for the other topic.
    await a.publish('alerts', { n: 3 }, 'm2');
    expect(await take(other, 1)).toEqual([{ n: 3 }]);
    await other.return?.();
  });

  it('cuts off a subscriber that falls too far behind instead of buffering without bound', async () => {
    const slow = b.subscribe('flood');
    for (let i = 0; i < 5; i++) await a.publish('flood', { i });
    // Let the notifications arrive.
    await new Promise((r) => setTimeout(r, 200));
    expect(await take(slow, 3)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    await expect(slow.next()).rejects.toBeInstanceOf(SubscriberOverflowError);
  });

  it('calls an on() handler for every event in order, however many arrive at once, until it unsubscribes', async () => {
    const seen: unknown[] = [];
    // b's subscribers are cut off after 3 queued events; a handler has no queue.
    const stop = b.on('burst', (e) => seen.push(e));
    for (let i = 0; i < 10; i++) await a.publish('burst', { i });
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => ({ i })));
    stop();
    await a.publish('burst', { i: 10 });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(10);
  });

  it("refuses an event larger than a NOTIFY payload as the caller's error (BAD_USER_INPUT), inside a transaction too", async () => {
    await expect(a.publish('big', { blob: 'x'.repeat(9000) })).rejects.toThrow(/limit/);
    await expect(a.publish('big', { blob: 'x'.repeat(9000) })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const sent: unknown[] = [];
    const within = PgPubSub.publishWithin<TestEvents, 'big'>(async (_sql, params) => sent.push(params), 'big', { blob: 'x'.repeat(9000) });
    await expect(within).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(sent).toEqual([]);
  });
});
