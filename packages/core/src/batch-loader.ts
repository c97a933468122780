/**
 * Collects the keys asked for in one tick and loads them with one call, so that resolving N
 * entity references (`_entities`) costs one query instead of N.
 */
export function batchLoader<K, V>(loadMany: (keys: K[]) => Promise<Map<K, V>>): (key: K) => Promise<V | null> {
  let pending: Map<K, Array<{ resolve: (v: V | null) => void; reject: (e: unknown) => void }>> | undefined;
  const flush = async (batch: NonNullable<typeof pending>) => {
    try {
      const found = await loadMany([...batch.keys()]);
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key) ?? null);
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  };
  return (key) =>
    new Promise((resolve, reject) => {
      if (!pending) {
        const batch = new Map<K, Array<{ resolve: (v: V | null) => void; reject: (e: unknown) => void }>>();
        pending = batch;
        process.nextTick(() => {
          pending = undefined;
          void flush(batch);
        });
      }
      const waiters = pending.get(key) ?? [];
      waiters.push({ resolve, reject });
      pending.set(key, waiters);
    });
}
