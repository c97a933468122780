/**
 * The gateway's per-document caches (analyses, fast-path decisions, subscription plans, fetch
 * shapes): least recently used first out, bounded by entries and by the total length of keys
 * (documents are the keys; a stream of distinct large documents must not fill memory), and keys
 * longer than `maxKeyLength` are not kept at all.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();
  private keyChars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxKeyLength = 32 * 1024,
    private readonly maxKeyChars = 8 * 1024 * 1024,
  ) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (key.length > this.maxKeyLength) return;
    if (this.entries.delete(key)) this.keyChars -= key.length;
    this.entries.set(key, value);
    this.keyChars += key.length;
    while (this.entries.size > this.maxEntries || this.keyChars > this.maxKeyChars) {
      const oldest = this.entries.keys().next().value!;
      this.entries.delete(oldest);
      this.keyChars -= oldest.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
