import { Client } from 'pg';
import type { Counter } from 'prom-client';
import type { EventPayloads } from './contracts';
import { BadUserInputError } from './errors';
import type { Logger } from './logger';

/**
 * Publish/subscribe across every replica through PostgreSQL LISTEN/NOTIFY. Each process holds
 * one listening connection; a publish is delivered once to each subscribed process, the
 * publishing one included (it hears its own NOTIFY), so one code path serves one or many replicas.
 * Implements type-graphql's PubSub interface.
 */
export interface PubSubOptions {
  url: string;
  logger: Logger;
  /** Events a slow subscriber may fall behind before it is cut off. */
  maxQueue?: number;
  dropped?: Counter<'topic'>;
}

const CHANNEL = 'modelplane_events';
// NOTIFY payloads are limited to 8000 bytes; events carry ids and small summaries only.
const MAX_PAYLOAD = 7900;

interface Envelope {
  t: string;
  p: unknown;
}

/**
 * The NOTIFY body of an event. Events carry what a caller sent (a reason, a message), so one
 * too large to announce is the caller's error, refused before anything is committed.
 */
function envelope(routingKey: string, payload: unknown): string {
  const body = JSON.stringify({ t: routingKey, p: payload } satisfies Envelope);
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_PAYLOAD) {
    throw new BadUserInputError(
      `the change is too large to announce (${bytes} bytes as a ${routingKey} event; the limit is ${MAX_PAYLOAD})`,
      {
        topic: routingKey,
      },
    );
  }
  return body;
}

interface Subscriber {
  push(value: unknown): void;
  end(): void;
}

export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
}

/** Typed by topic: `E` maps each topic to its payload (the subgraphs' contracts by default). */
export class PgPubSub<E extends object = EventPayloads> {
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private readonly topics = new Map<string, Set<Subscriber>>();
  private readonly maxQueue: number;
  private readonly reconnectHandlers: Array<() => void> = [];
  private everConnected = false;

  constructor(private readonly options: PubSubOptions) {
    this.maxQueue = options.maxQueue ?? 1000;
  }

  /** The routing key of a topic's events about one thing (`run.updated:<run id>`), or of the whole topic. */
  static key(routingKey: string, dynamicId?: unknown): string {
    return dynamicId === undefined ? routingKey : `${routingKey}:${String(dynamicId)}`;
  }

  /** Opens the listening connection; reconnects with backoff if it drops. */
  async start(): Promise<void> {
    if (!this.connecting) this.connecting = this.connect();
    return this.connecting;
  }

  private async connect(attempt = 0): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: 'modelplane-pubsub' });
    client.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const { t, p } = JSON.parse(msg.payload) as Envelope;
        for (const sub of this.topics.get(t) ?? []) sub.push(p);
      } catch (err) {
        this.options.logger.warn({ err }, 'ignoring malformed event');
      }
    });
    client.on('error', (err) => {
      this.options.logger.warn({ err }, 'pub/sub connection lost; reconnecting');
      this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) this.scheduleReconnect(0);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      if (this.everConnected) for (const fn of this.reconnectHandlers) fn();
      this.everConnected = true;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (this.closed) return;
      if (attempt === 0) throw err;
      this.scheduleReconnect(attempt);
    }
  }

  private scheduleReconnect(attempt: number): void {
    const delay = Math.min(5000, 100 * 2 ** attempt);
    setTimeout(() => {
      if (!this.closed) this.connect(attempt + 1).catch(() => undefined);
    }, delay).unref();
  }

  /**
   * Sends an event to every subscriber on every replica (to those of `dynamicId` only, when
   * given). Resolves once PostgreSQL has it.
   */
  async publish<T extends keyof E & string>(topic: T, payload: E[T], dynamicId?: string): Promise<void> {
    const body = envelope(PgPubSub.key(topic, dynamicId), payload);
    // A pooled connection is not needed: NOTIFY is cheap and the listener connection is idle.
    const client = this.client;
    if (!client) throw new Error('pub/sub is not connected');
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, body]);
  }

  /**
   * Publishes from inside a transaction: PostgreSQL delivers the event only if, and when, the
   * transaction commits, so subscribers never hear of a change that was rolled back.
   */
  static async publishWithin<P extends object = EventPayloads, T extends keyof P & string = keyof P & string>(
    query: (sql: string, params: unknown[]) => Promise<unknown>,
    topic: T,
    payload: P[T],
    dynamicId?: string,
  ): Promise<void> {
    const body = envelope(PgPubSub.key(topic, dynamicId), payload);
    await query('SELECT pg_notify($1, $2)', [CHANNEL, body]);
  }

  /** Called after the listening connection is (re)established; events may have been missed. */
  onReconnect(fn: () => void): void {
    this.reconnectHandlers.push(fn);
  }

  /**
   * Calls `handler` for every event on `routingKey`, in the order received, until the returned
   * function is called. For a process's own bookkeeping: unlike subscribe() there is no queue, so
   * a burst of events can never cut the listener off (the handler must not block).
   */
  on<T extends keyof E & string>(routingKey: T, handler: (payload: E[T]) => void): () => void {
    const topic = PgPubSub.key(routingKey);
    const subs = this.topics.get(topic) ?? new Set<Subscriber>();
    this.topics.set(topic, subs);
    const sub: Subscriber = {
      push: (value) => {
        try {
          handler(value as E[T]);
        } catch (err) {
          this.options.logger.error({ err, topic: routingKey }, 'event handler failed');
        }
      },
      end: () => undefined,
    };
    subs.add(sub);
    return () => {
      subs.delete(sub);
      if (!subs.size && this.topics.get(topic) === subs) this.topics.delete(topic);
    };
  }

  /** The events of a topic (of one thing, with `dynamicId`) as they arrive; type-graphql's subscriptions use it too. */
  subscribe<T extends keyof E & string>(routingKey: T, dynamicId?: unknown): AsyncIterableIterator<E[T]>;
  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterableIterator<unknown>;
  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterableIterator<unknown> {
    const topic = PgPubSub.key(routingKey, dynamicId);
    const queue: unknown[] = [];
    let waiting: ((r: IteratorResult<unknown>) => void) | undefined;
    let failing: ((err: unknown) => void) | undefined;
    let done = false;
    let overflow = false;
    const subs = this.topics.get(topic) ?? new Set<Subscriber>();
    this.topics.set(topic, subs);
    const finish = () => {
      done = true;
      subs.delete(sub);
      if (!subs.size) this.topics.delete(topic);
    };
    const sub: Subscriber = {
      push: (value) => {
        if (done) return;
        if (waiting) {
          const w = waiting;
          waiting = failing = undefined;
          w({ value, done: false });
        } else if (queue.length >= this.maxQueue) {
          // A subscriber that cannot keep up is cut off rather than buffered without bound.
          this.options.dropped?.inc({ topic: routingKey });
          overflow = true;
          finish();
        } else {
          queue.push(value);
        }
      },
      end: () => {
        finish();
        waiting?.({ value: undefined, done: true });
        waiting = failing = undefined;
      },
    };
    subs.add(sub);
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
        if (overflow)
          return Promise.reject(new SubscriberOverflowError(`subscriber to ${routingKey} fell behind by ${this.maxQueue} events`));
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiting = resolve;
          failing = reject;
        });
      },
      return: () => {
        sub.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      throw: (err: unknown) => {
        finish();
        failing?.(err);
        return Promise.reject(err);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subs of [...this.topics.values()]) for (const s of [...subs]) s.end();
    this.topics.clear();
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
