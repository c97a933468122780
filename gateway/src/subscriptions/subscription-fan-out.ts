import type { FormattedExecutionResult } from 'graphql';

/** Where a shared subscription's results go: every client subscribed to it. */
export interface FanOutSubscriber {
  /** One result, with its serialized size; false if the subscriber is gone. */
  push(value: FormattedExecutionResult, bytes: number): boolean;
  /** No more results. */
  end(): void;
}

/** What a shared upstream reports; calls after complete() are ignored. */
export interface Broadcast {
  next(value: FormattedExecutionResult): void;
  complete(): void;
}

/** Opens the upstream for a key when its first subscriber arrives; returns its stop function. */
export type OpenUpstream = (broadcast: Broadcast) => () => void;

interface Shared {
  subscribers: Set<FanOutSubscriber>;
  stop: (() => void) | undefined;
  done: boolean;
}

/**
 * Identical subscriptions share one upstream: the first subscriber of a key opens it, later ones
 * join, the last one to leave closes it. Each result is serialized once (its size is what slow
 * clients are measured by) and offered to every subscriber.
 */
export class SubscriptionFanOut {
  private readonly shared = new Map<string, Shared>();

  /** Subscribes to `key`, opening its upstream if it is the first. Returns the leave function. */
  join(key: string, subscriber: FanOutSubscriber, open: OpenUpstream): () => void {
    let entry = this.shared.get(key);
    if (!entry) {
      const created: Shared = { subscribers: new Set([subscriber]), stop: undefined, done: false };
      entry = created;
      this.shared.set(key, created);
      const stop = open({
        next: (value) => {
          if (created.done) return;
          const bytes = Buffer.byteLength(JSON.stringify(value));
          for (const s of [...created.subscribers]) s.push(value, bytes);
        },
        complete: () => {
          if (created.done) return;
          this.finish(key, created);
          for (const s of [...created.subscribers]) s.end();
          created.subscribers.clear();
        },
      });
      // The upstream may have completed while opening (e.g. it failed at once).
      if (created.done) stop();
      else created.stop = stop;
    } else {
      entry.subscribers.add(subscriber);
    }
    const joined = entry;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.subscribers.delete(subscriber);
      if (!joined.subscribers.size && !joined.done) this.finish(key, joined);
    };
  }

  /** Shared upstreams open now. */
  get size(): number {
    return this.shared.size;
  }

  subscribers(key: string): number {
    return this.shared.get(key)?.subscribers.size ?? 0;
  }

  /** Ends every shared subscription (its clients see complete) and stops its upstream. */
  closeAll(): void {
    for (const [key, entry] of [...this.shared]) {
      this.finish(key, entry);
      for (const s of [...entry.subscribers]) s.end();
      entry.subscribers.clear();
    }
  }

  private finish(key: string, entry: Shared): void {
    entry.done = true;
    if (this.shared.get(key) === entry) this.shared.delete(key);
    const stop = entry.stop;
    entry.stop = undefined;
    stop?.();
  }
}
