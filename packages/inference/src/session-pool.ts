import { createHash } from 'node:crypto';
import { InferenceSession } from 'onnxruntime-node';

export class ArtifactIntegrityError extends Error {
  override name = 'ArtifactIntegrityError';
  constructor(
    readonly digest: string,
    readonly actual: string,
  ) {
    super(`artifact ${digest} failed its integrity check (sha256 ${actual}); refusing to serve it`);
  }
}

interface Entry {
  digest: string;
  session: Promise<InferenceSession>;
  inFlight: number;
  lastUsed: number;
}

export interface SessionPoolOptions {
  /** A session no alias or split refers to is released after being idle this long. */
  idleMs: number;
  intraOpThreads?: number;
}

/**
 * One ONNX Runtime session per artifact digest, shared by every request. Sessions are created
 * once and kept while anything routes to them; an unreferenced one is released only after it
 * has been idle for a while and has nothing in flight (creating and releasing sessions
 * repeatedly leaks memory in onnxruntime-node, so the pool avoids churn).
 */
export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private referenced = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: SessionPoolOptions) {
    this.timer = setInterval(() => void this.sweep(), Math.max(1000, Math.min(options.idleMs, 30000)));
    this.timer.unref();
  }

  /**
   * The session for `digest`, loading its bytes with `load` on first use. The bytes' sha256 is
   * checked against the digest before ONNX Runtime sees them.
   */
  async get(digest: string, load: () => Promise<Uint8Array>): Promise<InferenceSession> {
    let entry = this.entries.get(digest);
    if (!entry) {
      const session = (async () => {
        const bytes = await load();
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== digest) {
          throw new ArtifactIntegrityError(digest, actual);
        }
        return InferenceSession.create(bytes, {
          graphOptimizationLevel: 'all',
          intraOpNumThreads: this.options.intraOpThreads ?? 1,
          interOpNumThreads: 1,
          logSeverityLevel: 3,
        });
      })();
      entry = { digest, session, inFlight: 0, lastUsed: Date.now() };
      this.entries.set(digest, entry);
      // A failed load must not stay cached: the next request retries.
      session.catch(() => {
        if (this.entries.get(digest) === entry) this.entries.delete(digest);
      });
    }
    entry.lastUsed = Date.now();
    return entry.session;
  }

  /** Runs `fn` with the session, counting it in flight so it is never released under a request. */
  async use<T>(digest: string, load: () => Promise<Uint8Array>, fn: (s: InferenceSession) => Promise<T>): Promise<T> {
    const pending = this.get(digest, load);
    // Count the request before awaiting, so a sweep in between cannot release the session.
    const entry = this.entries.get(digest);
    if (entry) entry.inFlight++;
    let session: InferenceSession;
    try {
      session = await pending;
    } catch (err) {
      if (entry) entry.inFlight--;
      throw err;
    }
    try {
      return await fn(session);
    } finally {
      if (entry) {
        entry.inFlight--;
        entry.lastUsed = Date.now();
      }
    }
  }

  isLoaded(digest: string): boolean {
    return this.entries.has(digest);
  }

  /** The digests something currently routes to; everything else may be released when idle. */
  setReferenced(digests: Iterable<string>): void {
    this.referenced = new Set(digests);
  }

  get size(): number {
    return this.entries.size;
  }

  async sweep(now = Date.now()): Promise<string[]> {
    const released: string[] = [];
    for (const entry of [...this.entries.values()]) {
      if (this.referenced.has(entry.digest) || entry.inFlight > 0 || now - entry.lastUsed < this.options.idleMs) continue;
      this.entries.delete(entry.digest);
      released.push(entry.digest);
      await entry.session.then((s) => s.release()).catch(() => undefined);
    }
    return released;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.session.then((s) => s.release()).catch(() => undefined)));
  }
}
