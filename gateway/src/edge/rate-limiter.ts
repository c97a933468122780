/**
 * Token buckets in this process's memory, one per caller (API key, JWT subject, or IP address
 * when anonymous): `burst` units at once, refilled at `perSecond`; a request takes what it costs. Each gateway replica keeps
 * its own buckets, so N replicas allow N times the rate; a shared limit would need a shared
 * store (Redis, PostgreSQL). Buckets that have refilled are forgotten when the map grows large.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    readonly burst: number,
    private readonly maxBuckets = 100_000,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  /**
   * Takes `cost` tokens (at most the bucket's size, so any request can pass once it is full);
   * null when allowed, else the seconds until that many are available.
   */
  take(key: string, now = Date.now(), cost = 1): number | null {
    if (!this.enabled) return null;
    const need = Math.min(this.burst, Math.max(0, cost));
    if (need === 0) return null;
    const bucket = this.buckets.get(key);
    let tokens = this.burst;
    if (bucket) tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    else if (this.buckets.size >= this.maxBuckets) this.sweep(now);
    if (tokens < need) {
      if (bucket) Object.assign(bucket, { tokens, at: now });
      return Math.max(1, Math.ceil((need - tokens) / this.perSecond));
    }
    if (bucket) Object.assign(bucket, { tokens: tokens - need, at: now });
    else this.buckets.set(key, { tokens: tokens - need, at: now });
    return null;
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
    // Still full (a flood of distinct callers): drop the oldest half rather than grow.
    if (this.buckets.size >= this.maxBuckets) {
      let drop = this.buckets.size / 2;
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}
