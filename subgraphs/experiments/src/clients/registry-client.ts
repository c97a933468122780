import { callSubgraph, SubgraphCallError, type ServiceHeaders, serviceBase } from '@modelplane/core';
import type { FeatureSpec, ModelSignature, ModelTaskName } from '@modelplane/inference';

/** The registry could not be reached or answered with a server error: worth retrying later. */
export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';
}

/** The registry refused the request (its error code and message): retrying the same request will not help. */
export class RegistryRejectedError extends Error {
  override name = 'RegistryRejectedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RegistryVersionSummary {
  id: string;
  version: number;
  runId: string | null;
  status: string;
}

export interface RegistryProductionVersion {
  id: string;
  version: number;
  digest: string;
  runId: string | null;
  signature: ModelSignature;
}

export interface RegistryModel {
  name: string;
  task: ModelTaskName;
  labels: string[] | null;
  features: FeatureSpec[];
  productionVersion: RegistryProductionVersion | null;
  versions: RegistryVersionSummary[];
}

export interface RegisterModelInput {
  name: string;
  task: ModelTaskName;
  features: Array<{ name: string; type: 'NUMERIC' | 'CATEGORICAL'; categories?: string[] }>;
  labels?: string[];
  description?: string;
}

/** What the experiments subgraph needs from the registry (an interface so tests can stand in for it). */
export interface RegistryApi {
  modelNames(): Promise<string[]>;
  model(name: string): Promise<RegistryModel | null>;
  registerModel(input: RegisterModelInput): Promise<void>;
  createVersion(input: {
    model: string;
    onnx: Uint8Array;
    runId: string;
    datasetDigest: string;
    description: string;
  }): Promise<RegistryVersionSummary>;
  setAlias(model: string, alias: string, version: number, reason: string): Promise<void>;
  artifact(digest: string): Promise<Uint8Array>;
}

const SIGNATURE = 'signature { inputName inputType featureCount probabilitiesOutput valueOutput classCount }';
const MODEL_QUERY = `query TrainingModel($name: String!) {
  model(name: $name) {
    name task labels
    features { name type categories }
    productionVersion { id version digest runId ${SIGNATURE} }
    versions { id version runId status }
  }
}`;

/**
 * The registry's own GraphQL API and artifact endpoint, called directly (not through the
 * gateway), as the prediction subgraph does. The experiments subgraph never reads its tables.
 */
export class RegistryClient implements RegistryApi {
  private readonly artifactsBase: string;

  constructor(
    private readonly graphqlUrl: string,
    private readonly timeoutMs = 30000,
    /** The experiments service's signed identity: the registry refuses unsigned calls. */
    private readonly headers: ServiceHeaders = () => ({}),
  ) {
    this.artifactsBase = serviceBase(graphqlUrl) + '/artifacts/';
  }

  private async call<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    try {
      return await callSubgraph<T>(this.graphqlUrl, query, variables, this.timeoutMs, this.headers);
    } catch (err) {
      if (!(err instanceof SubgraphCallError)) throw err;
      // Unreachable, failing or answering nothing: retry later. A coded refusal: the caller's problem.
      const code = err.code ?? 'INTERNAL';
      if (err.unreachable || code === 'INTERNAL' || (err.status ?? 500) >= 500 || err.code === undefined) {
        throw new RegistryUnavailableError(`the registry failed: ${err.message}`);
      }
      throw new RegistryRejectedError(code, err.message);
    }
  }

  async modelNames(): Promise<string[]> {
    const data = await this.call<{ models: Array<{ name: string }> }>('{ models { name } }', {});
    return data.models.map((m) => m.name);
  }

  async model(name: string): Promise<RegistryModel | null> {
    return (await this.call<{ model: RegistryModel | null }>(MODEL_QUERY, { name })).model;
  }

  async registerModel(input: RegisterModelInput): Promise<void> {
    await this.call('mutation Register($input: RegisterModelInput!) { registerModel(input: $input) { name } }', { input });
  }

  async createVersion(input: { model: string; onnx: Uint8Array; runId: string; datasetDigest: string; description: string }) {
    const data = await this.call<{ createModelVersion: RegistryVersionSummary }>(
      'mutation Create($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id version runId status } }',
      {
        input: {
          model: input.model,
          onnxBase64: Buffer.from(input.onnx).toString('base64'),
          runId: input.runId,
          datasetDigest: input.datasetDigest,
          description: input.description,
        },
      },
    );
    return data.createModelVersion;
  }

  async setAlias(model: string, alias: string, version: number, reason: string): Promise<void> {
    await this.call(
      'mutation Alias($model: String!, $alias: String!, $version: Int!, $reason: String) { setModelAlias(model: $model, alias: $alias, version: $version, reason: $reason) { alias } }',
      { model, alias, version, reason },
    );
  }

  async artifact(digest: string): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await fetch(this.artifactsBase + digest, {
        headers: this.headers(),
        signal: AbortSignal.timeout(Math.max(this.timeoutMs, 60000)),
      });
    } catch (err) {
      throw new RegistryUnavailableError(`the registry is unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok) throw new RegistryUnavailableError(`the registry could not supply artifact ${digest} (HTTP ${res.status})`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
