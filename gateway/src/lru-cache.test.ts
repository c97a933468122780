import { LruCache } from './lru-cache';

describe('the gateway’s per-document cache', () => {
  it('evicts the least recently used entry first', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('keeps null values, skips keys that are too long, and bounds the total length of keys', () => {
    const cache = new LruCache<number | null>(100, 10, 25);
    cache.set('none', null);
    expect(cache.get('none')).toBeNull();
    cache.set('x'.repeat(11), 1);
    expect(cache.get('x'.repeat(11))).toBeUndefined();
    for (const k of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']) cache.set(k, 1);
    // 4 + 30 characters exceed 25: the oldest keys went.
    expect([cache.get('none'), cache.get('aaaaaaaaaa'), cache.get('bbbbbbbbbb'), cache.get('cccccccccc')]).toEqual([
      undefined,
      undefined,
      1,
      1,
    ]);
  });
});
