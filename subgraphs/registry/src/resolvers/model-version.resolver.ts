import { assertModelName, OPERATOR, type RequestContext, type SubgraphServices } from '@modelplane/core';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Repository } from 'typeorm';
import { ModelAlias } from '../entities/model-alias.entity';
import { ModelVersion } from '../entities/model-version.entity';
import { Model } from '../entities/model.entity';
import { decodeBase64Artifact, type ModelRegistry } from '../model-registry';
import type { RegistryRuntime } from '../registry.runtime';
import { CreateModelVersionInput } from '../types/create-model-version.input';

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  private readonly registry: ModelRegistry;
  private readonly versions: Repository<ModelVersion>;

  private readonly services: SubgraphServices;

  constructor(runtime: RegistryRuntime) {
    this.services = runtime.services;
    this.registry = runtime.registry;
    this.versions = runtime.services.db.getRepository(ModelVersion);
  }

  @Query(() => ModelVersion, { nullable: true })
  modelVersion(@Arg('model') model: string, @Arg('version', () => Int) version: number): Promise<ModelVersion | null> {
    return this.versions.findOneBy({ modelName: assertModelName(model, 'model'), version });
  }

  @Authorized(OPERATOR)
  @Mutation(() => ModelVersion, {
    description: 'Registers an ONNX artifact as the next version of a model, after checking it loads and fits the model',
  })
  createModelVersion(@Arg('input') input: CreateModelVersionInput, @Ctx() ctx: RequestContext): Promise<ModelVersion> {
    const onnx = decodeBase64Artifact(input.onnxBase64, this.services.config.MAX_ARTIFACT_BYTES);
    return this.registry.createVersion({
      model: input.model,
      onnx,
      runId: input.runId,
      datasetDigest: input.datasetDigest,
      description: input.description,
      actor: ctx.identity.subject,
    });
  }

  @Authorized(OPERATOR)
  @Mutation(() => ModelVersion, { description: 'Retires a version; it must hold no alias' })
  archiveModelVersion(
    @Arg('model') model: string,
    @Arg('version', () => Int) version: number,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ModelVersion> {
    return this.registry.archive(model, version, ctx.identity.subject, reason ?? null);
  }

  @FieldResolver(() => Model)
  async model(@Root() version: ModelVersion): Promise<Model> {
    return this.services.db.getRepository(Model).findOneByOrFail({ name: version.modelName });
  }

  @FieldResolver(() => [String], { description: 'Aliases pointing at this version' })
  async aliases(@Root() version: ModelVersion): Promise<string[]> {
    const rows = await this.services.db.getRepository(ModelAlias).find({
      where: { modelName: version.modelName, versionNumber: version.version },
      order: { alias: 'ASC' },
    });
    return rows.map((a) => a.alias);
  }
}
