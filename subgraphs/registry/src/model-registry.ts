import { createHash } from 'node:crypto';
import { inspectArtifact, type ModelSchema } from '@modelplane/inference';
import {
  BadUserInputError,
  ConflictError,
  MODEL_CHANGED,
  NotFoundError,
  PgPubSub,
  PRODUCTION_ALIAS,
  assertModelName,
  type ServingAcks,
  servingChange,
  type ArtifactIntegrityEvent,
  type ModelChangedEvent,
  type SubgraphServices,
} from '@modelplane/core';
import type { EntityManager } from 'typeorm';
import { Artifact } from './entities/artifact.entity';
import { ModelAlias } from './entities/model-alias.entity';
import { ModelEvent, ModelEventKind } from './entities/model-event.entity';
import { ModelVersion, VersionStatus } from './entities/model-version.entity';
import { Model } from './entities/model.entity';

const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

export function assertAlias(alias: string): string {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new BadUserInputError(
      `invalid alias ${JSON.stringify(alias.slice(0, 80))}: start with a letter, then up to 63 of A-Z a-z 0-9 _ -`,
      {
        argument: 'alias',
      },
    );
  }
  // As in MLflow: `latest` and `v<number>` would be ambiguous with version references.
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new BadUserInputError(`alias ${alias} is reserved`, { argument: 'alias' });
  }
  return alias;
}

export function decodeBase64Artifact(base64: string, maxBytes: number): Buffer {
  const compact = base64.replace(/\s+/g, '');
  const approxBytes = Math.floor((compact.length * 3) / 4);
  if (approxBytes > maxBytes) {
    throw new BadUserInputError(`the artifact is ${approxBytes} bytes; the limit is ${maxBytes} (MAX_ARTIFACT_BYTES)`, {
      argument: 'onnxBase64',
    });
  }
  if (!compact.length || compact.length % 4 !== 0 || !BASE64_PATTERN.test(compact)) {
    throw new BadUserInputError('onnxBase64 is not valid base64', { argument: 'onnxBase64' });
  }
  return Buffer.from(compact, 'base64');
}

export interface CreateVersionParams {
  model: string;
  onnx: Buffer;
  runId?: string | null;
  datasetDigest?: string | null;
  description?: string | null;
  actor: string;
}

/**
 * The registry's write path. Every change to a model runs in one transaction holding the model
 * row's lock, so concurrent alias moves and version creations on one model serialize (no lost
 * update), and its event is appended and announced (NOTIFY) in that same transaction.
 */
export class ModelRegistry {
  /** Ids of the events a changeServing transaction appended. */
  private readonly appended = new WeakMap<EntityManager, string[]>();

  constructor(
    private readonly services: SubgraphServices,
    private readonly acks: ServingAcks,
  ) {}

  private async withModelLock<T>(name: string, fn: (em: EntityManager, model: Model) => Promise<T>): Promise<T> {
    assertModelName(name, 'model');
    return this.services.db.transaction(async (em) => {
      const model = await em.getRepository(Model).findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!model) throw new NotFoundError(`model ${name} does not exist`, { model: name });
      return fn(em, model);
    });
  }

  /**
   * A change to what a model serves (alias moves, rollbacks, archiving): committed under the
   * model's lock, then answered once every live prediction replica serves it, so the caller's
   * next prediction sees it on any replica (bounded by SERVING_ACK_TIMEOUT_MS).
   */
  private async changeServing<T>(name: string, fn: (em: EntityManager, model: Model) => Promise<T>): Promise<T> {
    const events: string[] = [];
    const result = await this.withModelLock(name, (em, model) => {
      this.appended.set(em, events);
      return fn(em, model);
    });
    const last = events[events.length - 1];
    if (last) await this.acks.waitApplied(servingChange.model(last));
    return result;
  }

  private async appendEvent(em: EntityManager, event: Partial<ModelEvent> & { modelName: string; kind: ModelEventKind; actor: string }) {
    const saved = await em.getRepository(ModelEvent).save(em.getRepository(ModelEvent).create(event));
    const payload: ModelChangedEvent = { model: event.modelName, kind: event.kind, eventId: String(saved.id) };
    if (event.alias) payload.alias = event.alias;
    if (event.toVersion != null) payload.version = event.toVersion;
    await PgPubSub.publishWithin((sql, params) => em.query(sql, params), MODEL_CHANGED, payload);
    this.appended.get(em)?.push(String(saved.id));
    return saved;
  }

  async createVersion(params: CreateVersionParams): Promise<ModelVersion> {
    assertModelName(params.model, 'input.model');
    const model = await this.services.db.getRepository(Model).findOneBy({ name: params.model });
    if (!model) throw new NotFoundError(`model ${params.model} does not exist`, { model: params.model });
    // Validate before anything is stored: it must load and fit the schema.
    const schema: ModelSchema = { task: model.task, features: model.features, labels: model.labels };
    const signature = await inspectArtifact(params.onnx, schema);
    const digest = createHash('sha256').update(params.onnx).digest('hex');
    return this.withModelLock(params.model, async (em) => {
      await em
        .createQueryBuilder()
        .insert()
        .into(Artifact)
        .values({ digest, sizeBytes: params.onnx.length, content: params.onnx })
        .orIgnore()
        .execute();
      const [{ next }] = (await em.query('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM registry.model_version WHERE model = $1', [
        params.model,
      ])) as [{ next: number }];
      const version = em.getRepository(ModelVersion).create({
        modelName: params.model,
        version: Number(next),
        digest,
        sizeBytes: params.onnx.length,
        status: VersionStatus.CANDIDATE,
        signature,
        runId: params.runId ?? null,
        datasetDigest: params.datasetDigest ?? null,
        description: params.description ?? null,
        createdBy: params.actor,
      });
      await em.getRepository(ModelVersion).insert(version);
      await this.appendEvent(em, {
        modelName: params.model,
        kind: ModelEventKind.VERSION_CREATED,
        toVersion: version.version,
        actor: params.actor,
        details: { digest, sizeBytes: params.onnx.length, runId: params.runId ?? null },
      });
      return version;
    });
  }

  private async servableVersion(em: EntityManager, model: string, version: number): Promise<ModelVersion> {
    const found = await em.getRepository(ModelVersion).findOneBy({ modelName: model, version });
    if (!found) throw new NotFoundError(`model ${model} has no version ${version}`, { model, version });
    if (found.status === VersionStatus.ARCHIVED) {
      throw new ConflictError(`version ${version} of ${model} is archived; no alias may point to it`, { model, version });
    }
    return found;
  }

  /** Moves an alias, keeping statuses in step with the production alias. */
  private async moveAlias(
    em: EntityManager,
    model: string,
    alias: string,
    target: ModelVersion,
    kind: ModelEventKind,
    actor: string,
    reason: string | null,
  ): Promise<{ alias: ModelAlias; from: number | null }> {
    const repo = em.getRepository(ModelAlias);
    const current = await repo.findOneBy({ modelName: model, alias });
    const from = current?.versionNumber ?? null;
    await repo.upsert({ modelName: model, alias, versionNumber: target.version, updatedAt: new Date() }, ['modelName', 'alias']);
    if (alias === PRODUCTION_ALIAS) {
      await em.query(
        `UPDATE registry.model_version SET status = 'CANDIDATE' WHERE model = $1 AND status = 'PRODUCTION' AND version <> $2`,
        [model, target.version],
      );
      await em.query(`UPDATE registry.model_version SET status = 'PRODUCTION' WHERE model = $1 AND version = $2`, [model, target.version]);
    }
    await this.appendEvent(em, { modelName: model, kind, alias, fromVersion: from, toVersion: target.version, reason, actor });
    return { alias: (await repo.findOneByOrFail({ modelName: model, alias }))!, from };
  }

  async setAlias(model: string, alias: string, version: number, actor: string, reason: string | null = null): Promise<ModelAlias> {
    assertAlias(alias);
    return this.changeServing(model, async (em) => {
      const target = await this.servableVersion(em, model, version);
      const kind = alias === PRODUCTION_ALIAS ? ModelEventKind.PROMOTED : ModelEventKind.ALIAS_SET;
      return (await this.moveAlias(em, model, alias, target, kind, actor, reason)).alias;
    });
  }

  async deleteAlias(model: string, alias: string, actor: string): Promise<boolean> {
    assertAlias(alias);
    return this.changeServing(model, async (em) => {
      const current = await em.getRepository(ModelAlias).findOneBy({ modelName: model, alias });
      if (!current) throw new NotFoundError(`model ${model} has no alias ${alias}`, { model, alias });
      await em.getRepository(ModelAlias).delete({ modelName: model, alias });
      if (alias === PRODUCTION_ALIAS) {
        await em.query(`UPDATE registry.model_version SET status = 'CANDIDATE' WHERE model = $1 AND status = 'PRODUCTION'`, [model]);
      }
      await this.appendEvent(em, {
        modelName: model,
        kind: ModelEventKind.ALIAS_DELETED,
        alias,
        fromVersion: current.versionNumber,
        actor,
      });
      return true;
    });
  }

  /**
   * The production history as a stack: each promotion pushes, each rollback pops back to its
   * target. Rolling back twice after promoting 1, 2, 3 therefore lands on 1, not back on 3.
   */
  private async productionStack(em: EntityManager, model: string): Promise<number[]> {
    const events = await em.getRepository(ModelEvent).find({
      where: { modelName: model, alias: PRODUCTION_ALIAS },
      order: { id: 'ASC' },
    });
    const stack: number[] = [];
    for (const e of events) {
      if (e.kind === ModelEventKind.ALIAS_DELETED) {
        stack.length = 0;
      } else if (e.kind === ModelEventKind.ROLLED_BACK && e.toVersion !== null && stack.includes(e.toVersion)) {
        while (stack.length && stack[stack.length - 1] !== e.toVersion) stack.pop();
      } else if (e.toVersion !== null && stack[stack.length - 1] !== e.toVersion) {
        stack.push(e.toVersion);
      }
    }
    return stack;
  }

  async rollback(model: string, toVersion: number | null, reason: string | null, actor: string) {
    return this.changeServing(model, async (em) => {
      const current = await em.getRepository(ModelAlias).findOneBy({ modelName: model, alias: PRODUCTION_ALIAS });
      if (!current) throw new ConflictError(`model ${model} has no production version to roll back`, { model });
      let targetVersion = toVersion;
      if (targetVersion === null) {
        const archived = new Set(
          (
            await em
              .getRepository(ModelVersion)
              .find({ where: { modelName: model, status: VersionStatus.ARCHIVED }, select: { version: true } })
          ).map((v) => v.version),
        );
        const stack = (await this.productionStack(em, model)).filter((v) => v !== current.versionNumber && !archived.has(v));
        targetVersion = stack[stack.length - 1] ?? null;
        if (targetVersion === null) {
          throw new ConflictError(`model ${model} has no earlier production version to roll back to; pass toVersion`, { model });
        }
      }
      if (targetVersion === current.versionNumber) {
        throw new ConflictError(`version ${targetVersion} of ${model} is already in production`, { model, version: targetVersion });
      }
      const target = await this.servableVersion(em, model, targetVersion);
      const from = await em.getRepository(ModelVersion).findOneByOrFail({ modelName: model, version: current.versionNumber });
      await this.moveAlias(em, model, PRODUCTION_ALIAS, target, ModelEventKind.ROLLED_BACK, actor, reason);
      const event = await em.getRepository(ModelEvent).findOneOrFail({ where: { modelName: model }, order: { id: 'DESC' } });
      return { fromVersion: from, toVersion: { ...target, status: VersionStatus.PRODUCTION }, reason, event };
    });
  }

  async archive(model: string, version: number, actor: string, reason: string | null): Promise<ModelVersion> {
    return this.changeServing(model, async (em) => {
      const found = await em.getRepository(ModelVersion).findOneBy({ modelName: model, version });
      if (!found) throw new NotFoundError(`model ${model} has no version ${version}`, { model, version });
      const aliases = await em.getRepository(ModelAlias).findBy({ modelName: model, versionNumber: version });
      if (aliases.length) {
        throw new ConflictError(
          `version ${version} of ${model} is still aliased as ${aliases.map((a) => a.alias).join(', ')}; move those first`,
          {
            model,
            version,
          },
        );
      }
      if (found.status === VersionStatus.ARCHIVED) return found;
      found.status = VersionStatus.ARCHIVED;
      await em.getRepository(ModelVersion).update({ id: found.id }, { status: VersionStatus.ARCHIVED });
      await this.appendEvent(em, { modelName: model, kind: ModelEventKind.ARCHIVED, toVersion: version, actor, reason });
      return found;
    });
  }

  /** Records a prediction replica's report that an artifact failed its digest check. */
  async recordIntegrityError(report: ArtifactIntegrityEvent): Promise<void> {
    await this.withModelLock(report.model, (em) =>
      this.appendEvent(em, {
        modelName: report.model,
        kind: ModelEventKind.INTEGRITY_ERROR,
        toVersion: report.version,
        actor: report.replica ?? 'prediction',
        reason: `artifact ${report.digest} read back with sha256 ${report.actual}; not served`,
        details: { ...report },
      }),
    );
  }

  /** The stored bytes of an artifact (for the prediction service's loader). */
  async artifactBytes(digest: string): Promise<Buffer | null> {
    const rows = (await this.services.db.query('SELECT content FROM registry.artifact WHERE digest = $1', [digest])) as Array<{
      content: Buffer;
    }>;
    return rows[0]?.content ?? null;
  }
}
