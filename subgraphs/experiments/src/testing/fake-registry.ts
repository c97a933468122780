import { createHash, randomUUID } from 'node:crypto';
import { RAIN_TOMORROW_FEATURE_NAMES } from '@modelplane/ml';
import {
  RegistryRejectedError,
  type RegisterModelInput,
  type RegistryApi,
  type RegistryModel,
  type RegistryVersionSummary,
} from '../clients/registry-client';
import type { PredictionStreamsApi } from '../clients/prediction-streams';

interface StoredVersion extends RegistryVersionSummary {
  digest: string;
  datasetDigest: string;
  description: string;
}

/**
 * An in-memory registry for tests of the training pipeline: models, versions (with runId),
 * aliases, artifacts and the alias moves with their reasons. Hooks let a test fail or stall a call.
 */
export class FakeRegistry implements RegistryApi {
  readonly models = new Map<string, { input: RegisterModelInput; versions: StoredVersion[]; aliases: Map<string, number> }>();
  readonly artifacts = new Map<string, Uint8Array>();
  readonly aliasMoves: Array<{ model: string; alias: string; version: number; reason: string }> = [];
  hooks: {
    createVersion?: (runId: string, created: RegistryVersionSummary) => Promise<void> | void;
    model?: (name: string) => Promise<void> | void;
  } = {};

  addRainModel(name: string): void {
    this.models.set(name, {
      input: {
        name,
        task: 'BINARY_CLASSIFICATION',
        features: RAIN_TOMORROW_FEATURE_NAMES.map((f) => ({ name: f, type: 'NUMERIC' as const })),
        labels: ['dry', 'rain'],
      },
      versions: [],
      aliases: new Map(),
    });
  }

  async modelNames(): Promise<string[]> {
    return [...this.models.keys()];
  }

  async model(name: string): Promise<RegistryModel | null> {
    await this.hooks.model?.(name);
    const m = this.models.get(name);
    if (!m) return null;
    const production = m.aliases.get('production');
    const prod = m.versions.find((v) => v.version === production);
    return {
      name,
      task: m.input.task,
      labels: m.input.labels ?? null,
      features: m.input.features.map((f) => ({ name: f.name, type: f.type, categories: f.categories ?? null })),
      productionVersion: prod
        ? {
            id: prod.id,
            version: prod.version,
            digest: prod.digest,
            runId: prod.runId,
            signature: {
              inputName: 'features',
              inputType: 'float64',
              featureCount: m.input.features.length,
              probabilitiesOutput: 'probabilities',
              valueOutput: null,
              classCount: 2,
            },
          }
        : null,
      versions: m.versions.map(({ id, version, runId, status }) => ({ id, version, runId, status })),
    };
  }

  async registerModel(input: RegisterModelInput): Promise<void> {
    if (this.models.has(input.name)) throw new RegistryRejectedError('CONFLICT', `model ${input.name} already exists`);
    this.models.set(input.name, { input, versions: [], aliases: new Map() });
  }

  async createVersion(input: { model: string; onnx: Uint8Array; runId: string; datasetDigest: string; description: string }) {
    const m = this.models.get(input.model);
    if (!m) throw new RegistryRejectedError('NOT_FOUND', `model ${input.model} does not exist`);
    const digest = createHash('sha256').update(input.onnx).digest('hex');
    this.artifacts.set(digest, input.onnx);
    const stored: StoredVersion = {
      id: randomUUID(),
      version: m.versions.length + 1,
      runId: input.runId,
      status: 'CANDIDATE',
      digest,
      datasetDigest: input.datasetDigest,
      description: input.description,
    };
    m.versions.push(stored);
    const summary = { id: stored.id, version: stored.version, runId: stored.runId, status: stored.status };
    await this.hooks.createVersion?.(input.runId, summary);
    return summary;
  }

  async setAlias(model: string, alias: string, version: number, reason: string): Promise<void> {
    const m = this.models.get(model)!;
    m.aliases.set(alias, version);
    if (alias === 'production') for (const v of m.versions) v.status = v.version === version ? 'PRODUCTION' : 'CANDIDATE';
    this.aliasMoves.push({ model, alias, version, reason });
  }

  async artifact(digest: string): Promise<Uint8Array> {
    const bytes = this.artifacts.get(digest);
    if (!bytes) throw new Error(`no artifact ${digest}`);
    return bytes;
  }

  versionsOf(model: string): StoredVersion[] {
    return this.models.get(model)?.versions ?? [];
  }
}

/** A prediction log with nothing in it, unless a test says otherwise. */
export class FakePredictionStreams implements PredictionStreamsApi {
  labelled: Array<{
    prediction: { id: string; model: string; version: number; shadowOf: null; features: Record<string, unknown>; createdAt: string };
    actual: string;
  }> = [];
  hook: (() => Promise<void> | void) | undefined;

  async labelledPredictions(model: string) {
    await this.hook?.();
    return this.labelled.filter((l) => l.prediction.model === model);
  }
}
