import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The trusted-documents manifest (schema/operations/manifest.json, written by
 * `modelplane-server manifest` from the typed client's documents), in Apollo's persisted query
 * manifest format: each operation's id is the SHA-256 of its printed document, which is exactly
 * what the typed client sends.
 */
export interface TrustedDocumentsManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: Array<{ id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }>;
}

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export class TrustedDocuments {
  private readonly bodies = new Map<string, string>();
  /** The operations' names (what the gateway's metrics always label by name). */
  readonly names: readonly string[];

  constructor(manifest: TrustedDocumentsManifest) {
    if (manifest.format !== MANIFEST_FORMAT || manifest.version !== 1) throw new Error('not an apollo-persisted-query-manifest version 1');
    for (const op of manifest.operations) this.bodies.set(op.id, op.body);
    this.names = manifest.operations.map((op) => op.name);
  }

  static load(path: string): TrustedDocuments {
    try {
      return new TrustedDocuments(JSON.parse(readFileSync(path, 'utf8')) as TrustedDocumentsManifest);
    } catch (err) {
      throw new Error(`cannot read the trusted-documents manifest ${path} (${(err as Error).message}): run modelplane-server manifest`);
    }
  }

  /** Whether a document (by the SHA-256 of its printed form) is registered. */
  has(documentHash: string): boolean {
    return this.bodies.has(documentHash);
  }

  /** The registered document with this id, for requests that send only the hash. */
  body(id: string): string | undefined {
    return this.bodies.get(id);
  }

  get size(): number {
    return this.bodies.size;
  }
}

/** Automatic persisted queries keep at most this many documents of at most MAX_APQ_QUERY_BYTES each. */
const MAX_APQ_ENTRIES = 5000;
const MAX_APQ_QUERY_BYTES = 64 * 1024;

/**
 * The gateway's automatic-persisted-queries store, shared with Apollo Server (its
 * `persistedQueries.cache`, keys prefixed `apq:`): the request guard reads it to resolve a
 * hash-only request before its checks, and the fast path then forwards the full document, so APQ
 * works on both paths. Bounded (LRU by count, large documents are not kept).
 */
export class PersistedQueryStore {
  private readonly entries = new Map<string, string>();
  static readonly PREFIX = 'apq:';

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  async set(key: string, value: string): Promise<void> {
    this.write(key, value);
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }

  read(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  write(key: string, value: string): void {
    if (value.length > MAX_APQ_QUERY_BYTES) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > MAX_APQ_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The query registered under a SHA-256 hash. */
  query(hash: string): string | undefined {
    return this.read(PersistedQueryStore.PREFIX + hash);
  }

  /** Whether a hash is the SHA-256 of this query. */
  static matches(hash: string, query: string): boolean {
    return createHash('sha256').update(query).digest('hex') === hash;
  }

  /** Keeps a query under its hash (the caller checked both the hash and the query). */
  store(hash: string, query: string): void {
    this.write(PersistedQueryStore.PREFIX + hash, query);
  }
}
