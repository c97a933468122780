export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { until } from '../support/wait';

export interface Sample<K extends string = string> {
  kind: K;
  startedAt: number;
  finishedAt: number;
  /** Parsed GraphQL response, or null when the request itself failed (connection, timeout). */
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: unknown[]; extensions?: { code?: string } }>;
  } | null;
  failure: string | null;
}

/**
 * Steady load: `workers` loops, each sending one request at a time (rotating through `kinds`)
 * until stop() is called. Every request and its outcome is recorded.
 */
export function steadyLoad<K extends string>(
  workers: number,
  kinds: readonly K[],
  send: (kind: K) => Promise<Sample<K>['body']>,
): { samples: Sample<K>[]; stop(): Promise<void> } {
  const samples: Sample<K>[] = [];
  let running = true;
  const loop = async (w: number) => {
    for (let i = w; running; i++) {
      const kind = kinds[i % kinds.length]!;
      const startedAt = Date.now();
      try {
        const body = await send(kind);
        samples.push({ kind, startedAt, finishedAt: Date.now(), body, failure: null });
      } catch (err) {
        samples.push({ kind, startedAt, finishedAt: Date.now(), body: null, failure: err instanceof Error ? err.message : String(err) });
      }
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
