import { Counter } from 'prom-client';
import { SERVING_APPLIED, SERVING_HEARTBEAT_MS, SERVING_REPLICA } from './contracts';
import type { SubgraphServices } from './subgraph-schema';

/** A replica not heard from for this long is no longer waited for. */
const LIVE_MS = SERVING_HEARTBEAT_MS * 3.5;
/** ...and forgotten after this long. */
const FORGET_MS = 60_000;
/** Changes remembered per replica (acknowledgments arrive within milliseconds of the change). */
const REMEMBERED = 1000;

/**
 * Which prediction replicas are alive and which serving changes each has applied, from their
 * heartbeats and acknowledgments (LISTEN/NOTIFY, so every process sees every one). A change to
 * what a model serves (an alias move in the registry, a traffic split in the prediction service)
 * answers once every live prediction replica has applied it, so the caller's next prediction sees
 * it wherever it lands; a replica that does not confirm within SERVING_ACK_TIMEOUT_MS is logged
 * and counted, and the change answers anyway (it is committed). One per process, owned by the
 * runtime of the subgraph that makes such changes (registry, prediction), which starts it.
 */
export class ServingAcks {
  private readonly seen = new Map<string, number>();
  private readonly applied = new Map<string, Set<string>>();
  private readonly waiters = new Set<() => void>();
  private readonly timeouts: Counter;

  constructor(private readonly services: SubgraphServices) {
    this.timeouts = new Counter({
      name: 'modelplane_serving_ack_timeouts_total',
      help: 'Serving changes (alias moves, traffic splits) answered before every live prediction replica confirmed them (SERVING_ACK_TIMEOUT_MS)',
      registers: [services.metrics.registry],
    });
  }

  start(): () => Promise<void> {
    const { pubSub } = this.services;
    const stops = [
      pubSub.on(SERVING_REPLICA, (e) => this.heard(e.replica)),
      pubSub.on(SERVING_APPLIED, (e) => {
        const { replica, change } = e;
        this.heard(replica);
        let changes = this.applied.get(replica);
        if (!changes) this.applied.set(replica, (changes = new Set()));
        changes.add(change);
        if (changes.size > REMEMBERED) changes.delete(changes.values().next().value!);
        for (const wake of [...this.waiters]) wake();
      }),
    ];
    return async () => {
      for (const stop of stops) stop();
      for (const wake of [...this.waiters]) wake();
    };
  }

  private heard(replica: string): void {
    const now = Date.now();
    this.seen.set(replica, now);
    for (const [r, at] of this.seen) {
      if (now - at > FORGET_MS) {
        this.seen.delete(r);
        this.applied.delete(r);
      }
    }
  }

  /** Live replicas that have not yet applied `change`. */
  private pending(change: string): string[] {
    const now = Date.now();
    return [...this.seen]
      .filter(([replica, at]) => now - at <= LIVE_MS && !this.applied.get(replica)?.has(change))
      .map(([replica]) => replica);
  }

  /** Resolves once every live prediction replica has applied `change` (or the timeout passed). */
  async waitApplied(change: string): Promise<void> {
    const timeoutMs = this.services.config.SERVING_ACK_TIMEOUT_MS;
    if (!timeoutMs || !this.pending(change).length) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (!this.pending(change).length) done();
      };
      const timer = setTimeout(() => {
        this.timeouts.inc();
        this.services.logger.warn(
          { change, replicas: this.pending(change), timeoutMs },
          'prediction replicas did not confirm a serving change in time; answering anyway',
        );
        done();
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}
