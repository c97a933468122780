import { loadConfig } from '@modelplane/core';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows the burst, then the steady rate, per key', () => {
    const limiter = new RateLimiter(2, 3);
    const t = 1_000_000;
    expect([limiter.take('a', t), limiter.take('a', t), limiter.take('a', t)]).toEqual([null, null, null]);
    expect(limiter.take('a', t)).toBe(1);
    expect(limiter.take('b', t)).toBeNull();
    expect(limiter.take('a', t + 500)).toBeNull();
    expect(limiter.take('a', t + 500)).toBe(1);
  });

  it('takes what a request costs: a 10 000-row batch takes 10 000 units, one costing more than the bucket waits for a full one', () => {
    const limiter = new RateLimiter(100, 15_000);
    const t = 1_000_000;
    expect(limiter.take('a', t, 10_000)).toBeNull();
    expect(limiter.take('a', t, 10_000)).toBe(50); // 5 000 left: 5 000 more at 100/s
    expect(limiter.take('a', t, 3)).toBeNull();
    expect(limiter.take('b', t, 1_000_000)).toBeNull(); // capped at the bucket: it can pass once
    expect(limiter.take('b', t, 1)).toBe(1);
  });

  it('with the default settings, demo-like and single-row prediction traffic is never limited', () => {
    const { RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST } = loadConfig({});
    const limiter = new RateLimiter(RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST);
    // A minute of 1 000 predict (cost 4: predict { id label score }) + 1 000 recordFeedback (2) a
    // second, as ops/demo/demo.mjs sends them one after the other (but faster than it can)…
    let refused = 0;
    for (let ms = 0; ms < 60_000; ms++) {
      if (limiter.take('demo', 1_000_000 + ms, 4) !== null) refused++;
      if (limiter.take('demo', 1_000_000 + ms, 2) !== null) refused++;
    }
    // …and a single-row prediction service at 4 000 predictions a second.
    for (let i = 0; i < 240_000; i++) if (limiter.take('service', 1_000_000 + i / 4, 4) !== null) refused++;
    expect(refused).toBe(0);
    // The limit still holds: 10 000 predictions a second are not a single-row service's load.
    let limited = 0;
    for (let i = 0; i < 600_000; i++) if (limiter.take('flood', 1_000_000 + i / 10, 4) !== null) limited++;
    expect(limited).toBeGreaterThan(0);
  });

  it('off at 0 per second; bounded however many keys arrive', () => {
    expect(new RateLimiter(0, 1).take('x')).toBeNull();
    const limiter = new RateLimiter(1, 1, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 1_000_000);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
