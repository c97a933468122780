import { callSubgraph, NotFoundError, subgraphUnavailable, type ServiceHeaders, type ModelTask } from '@modelplane/core';

export interface MonitoredFeature {
  name: string;
  type: 'NUMERIC' | 'CATEGORICAL';
  categories: string[] | null;
}

export interface MonitoredModel {
  name: string;
  task: ModelTask;
  labels: string[] | null;
  features: MonitoredFeature[];
  productionVersion: { version: number } | null;
}

const MODEL_QUERY = `query MonitoredModel($name: String!) {
  model(name: $name) { name task labels features { name type categories } productionVersion { version } }
}`;

/**
 * What monitoring needs to know about a model, from the registry's GraphQL API (never its
 * tables): task, input schema and the serving version. Cached briefly per replica; the registry's
 * MODEL_CHANGED events drop a model's entry at once (see MonitoringRuntime).
 */
export class RegistryClient {
  private readonly cache = new Map<string, { at: number; model: Promise<MonitoredModel> }>();

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly headers: ServiceHeaders,
    private readonly ttlMs = 30000,
  ) {}

  /** The model, or NOT_FOUND when the registry does not know it. */
  async model(name: string, requestId?: string): Promise<MonitoredModel> {
    const cached = this.cache.get(name);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.model;
    const model = callSubgraph<{ model: MonitoredModel | null }>(
      this.url,
      MODEL_QUERY,
      { name },
      this.timeoutMs,
      this.headers,
      requestId,
    ).then(
      (d) => {
        if (!d.model) throw new NotFoundError(`model ${name} does not exist`, { model: name });
        return d.model;
      },
      (err: unknown) => {
        throw subgraphUnavailable('registry', `describe model ${name}`, err);
      },
    );
    this.cache.set(name, { at: Date.now(), model });
    // Failures are not cached: the next call asks again.
    model.catch(() => {
      if (this.cache.get(name)?.model === model) this.cache.delete(name);
    });
    return model;
  }

  forget(name: string): void {
    this.cache.delete(name);
  }
}
