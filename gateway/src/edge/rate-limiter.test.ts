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

  it('off at 0 per second; bounded however many keys arrive', () => {
    expect(new RateLimiter(0, 1).take('x')).toBeNull();
    const limiter = new RateLimiter(1, 1, 100);
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 1_000_000);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
