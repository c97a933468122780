import { callSubgraph, InternalError, NotFoundError, serviceBase, subgraphUnavailable, type ServiceHeaders } from '@modelplane/core';
import type { FeatureSpec, ModelSignature, ModelTaskName } from '@modelplane/inference';

export interface RegistryVersion {
  version: number;
  digest: string;
  status: 'CANDIDATE' | 'PRODUCTION' | 'ARCHIVED';
  signature: ModelSignature;
}

export interface RegistryModel {
  name: string;
  task: ModelTaskName;
  labels: string[] | null;
  features: FeatureSpec[];
  aliases: Array<{ alias: string; version: { version: number } }>;
  versions: RegistryVersion[];
}

const MODEL_QUERY = `query ServingModel($name: String!) {
  model(name: $name) {
    name task labels
    features { name type categories }
    aliases { alias version { version } }
    versions { version digest status signature { inputName inputType featureCount probabilitiesOutput valueOutput classCount } }
  }
}`;

/**
 * How the prediction service learns what to serve: the registry's own GraphQL API for model
 * metadata and its artifact endpoint for bytes. It never reads the registry's tables.
 */
export class RegistryClient {
  private readonly artifactsBase: string;

  constructor(
    private readonly graphqlUrl: string,
    private readonly timeoutMs = 10000,
    /** The prediction service's signed identity: the registry refuses unsigned calls. */
    private readonly headers: ServiceHeaders = () => ({}),
  ) {
    this.artifactsBase = serviceBase(graphqlUrl) + '/artifacts/';
  }

  async model(name: string, requestId?: string): Promise<RegistryModel> {
    const data = await callSubgraph<{ model: RegistryModel | null }>(
      this.graphqlUrl,
      MODEL_QUERY,
      { name },
      this.timeoutMs,
      this.headers,
      requestId,
    ).catch((err: unknown) => {
      throw subgraphUnavailable('registry', `describe model ${name}`, err);
    });
    if (!data.model) throw new NotFoundError(`model ${name} does not exist`, { model: name });
    return data.model;
  }

  async artifact(digest: string): Promise<Uint8Array> {
    const res = await fetch(this.artifactsBase + digest, {
      headers: this.headers(),
      signal: AbortSignal.timeout(Math.max(this.timeoutMs, 60000)),
    }).catch((err: unknown) => {
      throw subgraphUnavailable('registry', `supply artifact ${digest}`, err);
    });
    if (!res.ok) throw new InternalError(`the registry could not supply artifact ${digest} (HTTP ${res.status})`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
