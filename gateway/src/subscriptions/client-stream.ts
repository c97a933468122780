import type { FormattedExecutionResult } from 'graphql';

export interface ClientStreamOptions {
  /** How far behind (bytes queued here plus the socket's own buffer) a client may fall. */
  maxBufferedBytes: number;
  /** The websocket's `bufferedAmount`: bytes written but not yet handed to the network. */
  bufferedAmount: () => number;
  /** The client fell too far behind: disconnect it. Called at most once. */
  onOverflow: () => void;
  /** The stream ended for whatever reason (client completed, socket closed, overflow). Called once. */
  onClose: () => void;
}

type Item = { value: FormattedExecutionResult; bytes: number };

/**
 * One client's view of a shared subscription: an async iterator that graphql-ws pulls from (it
 * pulls the next event only once the previous one was written to the socket). Events are pushed
 * by the fan-out; what a slow client has not taken yet waits here, up to a byte limit, beyond
 * which the client is cut off rather than buffered without bound.
 */
export class ClientStream implements AsyncIterableIterator<FormattedExecutionResult> {
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | undefined;
  /** No more events will come; what is queued is still delivered. */
  private ending = false;
  /** Finished: nothing more is delivered. */
  private closed = false;
  /** Events handed to graphql-ws for this client. */
  delivered = 0;

  constructor(private readonly options: ClientStreamOptions) {}

  /** Offers an event (its serialized size in bytes); false if the stream is closed or overflowed. */
  push(value: FormattedExecutionResult, bytes: number): boolean {
    if (this.closed || this.ending) return false;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.delivered += 1;
      resolve({ value, done: false });
      return true;
    }
    if (this.queuedBytes + this.options.bufferedAmount() > this.options.maxBufferedBytes) {
      this.finish();
      this.options.onOverflow();
      return false;
    }
    this.queue.push({ value, bytes });
    this.queuedBytes += bytes;
    return true;
  }

  /** The source ended: deliver what is queued, then complete. */
  end(): void {
    if (this.closed) return;
    this.ending = true;
    if (!this.queue.length) this.finish();
  }

  get pending(): number {
    return this.queue.length;
  }

  next(): Promise<IteratorResult<FormattedExecutionResult>> {
    const item = this.queue.shift();
    if (item) {
      this.queuedBytes -= item.bytes;
      if (this.ending && !this.queue.length) this.finish();
      this.delivered += 1;
      return Promise.resolve({ value: item.value, done: false });
    }
    if (this.closed || this.ending) {
      this.finish();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** graphql-ws calls this when the client completes the operation or its socket closes. */
  return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<FormattedExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
    this.options.onClose();
  }
}
