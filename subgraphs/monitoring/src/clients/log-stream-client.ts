import { serviceBase, type ServiceHeaders } from '@modelplane/core';

/** One row of `GET /streams/predictions` (see the prediction subgraph's log-stream.routes.ts). */
export interface PredictionItem {
  id: string;
  model: string;
  version: number;
  route: string;
  features: Record<string, unknown> | null;
  label: string | null;
  score: number | null;
  latencyMs: number | null;
  createdAt: string;
  /** A failed prediction's error code; the stream does not publish failures today. */
  error?: string | null;
}

/** One row of `GET /streams/feedback`. */
export interface FeedbackItem {
  predictionId: string;
  model: string;
  actual: string;
  createdAt: string;
}

export interface StreamPage<T> {
  items: T[];
  next: string;
}

export type StreamName = 'predictions' | 'feedback';

export interface StreamSource {
  read(stream: 'predictions', after: string, limit: number): Promise<StreamPage<PredictionItem>>;
  read(stream: 'feedback', after: string, limit: number): Promise<StreamPage<FeedbackItem>>;
  read(stream: StreamName, after: string, limit: number): Promise<StreamPage<PredictionItem | FeedbackItem>>;
}

/** Reads the prediction subgraph's streams over HTTP, next to its GraphQL endpoint. */
export class HttpStreamSource implements StreamSource {
  private readonly base: string;

  constructor(
    predictionGraphqlUrl: string,
    private readonly timeoutMs: number,
    /** Monitoring's signed identity: the prediction service refuses unsigned reads. */
    private readonly headers: ServiceHeaders = () => ({}),
  ) {
    this.base = serviceBase(predictionGraphqlUrl);
  }

  read(stream: 'predictions', after: string, limit: number): Promise<StreamPage<PredictionItem>>;
  read(stream: 'feedback', after: string, limit: number): Promise<StreamPage<FeedbackItem>>;
  async read(stream: StreamName, after: string, limit: number): Promise<StreamPage<PredictionItem | FeedbackItem>> {
    const url = `${this.base}/streams/${stream}?after=${encodeURIComponent(after)}&limit=${limit}`;
    const res = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`GET ${url} answered HTTP ${res.status}`);
    const page = (await res.json()) as StreamPage<PredictionItem | FeedbackItem>;
    if (!Array.isArray(page.items) || typeof page.next !== 'string') throw new Error(`GET ${url} answered an unexpected shape`);
    return page;
  }
}
