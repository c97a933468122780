import { serviceBase, type ServiceHeaders } from '@modelplane/core';

/**
 * The prediction subgraph's published log and feedback streams (`GET /streams/predictions`,
 * `GET /streams/feedback`), read page by page from the start. Never its tables.
 */
export interface LoggedPrediction {
  id: string;
  model: string;
  version: number;
  shadowOf: string | null;
  features: Record<string, unknown>;
  createdAt: string;
}

export interface FeedbackItem {
  predictionId: string;
  model: string;
  actual: string;
  createdAt: string;
}

export interface PredictionStreamsApi {
  /** Every feedback of a model, joined to the features its prediction logged (oldest first). */
  labelledPredictions(model: string): Promise<Array<{ prediction: LoggedPrediction; actual: string }>>;
}

const PAGE = 10000;
// Bounds one retraining's read of the log; older rows beyond it are left out.
const MAX_ITEMS = 2_000_000;

export class PredictionStreamsClient implements PredictionStreamsApi {
  private readonly base: string;

  constructor(
    predictionGraphqlUrl: string,
    private readonly timeoutMs = 30000,
    /** The experiments service's signed identity: the prediction service refuses unsigned reads. */
    private readonly headers: ServiceHeaders = () => ({}),
  ) {
    this.base = serviceBase(predictionGraphqlUrl);
  }

  private async *read<T>(stream: 'predictions' | 'feedback'): AsyncGenerator<T[]> {
    let after = '';
    for (let total = 0; total < MAX_ITEMS;) {
      const res = await fetch(`${this.base}/streams/${stream}?limit=${PAGE}${after ? `&after=${after}` : ''}`, {
        headers: this.headers(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(`the prediction ${stream} stream answered HTTP ${res.status}`);
      const page = (await res.json()) as { items: T[]; next: string };
      if (!page.items.length) return;
      total += page.items.length;
      yield page.items;
      if (page.next === after || page.items.length < PAGE) return;
      after = page.next;
    }
  }

  async labelledPredictions(model: string): Promise<Array<{ prediction: LoggedPrediction; actual: string }>> {
    const actual = new Map<string, string>();
    for await (const items of this.read<FeedbackItem>('feedback')) {
      for (const f of items) if (f.model === model) actual.set(f.predictionId, f.actual);
    }
    if (!actual.size) return [];
    const joined: Array<{ prediction: LoggedPrediction; actual: string }> = [];
    for await (const items of this.read<LoggedPrediction>('predictions')) {
      for (const p of items) {
        const label = p.model === model && !p.shadowOf ? actual.get(p.id) : undefined;
        if (label !== undefined) joined.push({ prediction: p, actual: label });
      }
    }
    return joined;
  }
}
