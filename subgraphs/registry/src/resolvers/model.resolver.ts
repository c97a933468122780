import {
  ADMIN,
  assertModelName,
  BadUserInputError,
  ConflictError,
  isUniqueViolation,
  PRODUCTION_ALIAS,
  type RequestContext,
  type SubgraphServices,
} from '@modelplane/core';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Repository } from 'typeorm';
import { ModelAlias } from '../entities/model-alias.entity';
import { ModelEvent } from '../entities/model-event.entity';
import { ModelVersion } from '../entities/model-version.entity';
import { FeatureType, Model, ModelTask } from '../entities/model.entity';
import type { RegistryRuntime } from '../registry.runtime';
import { RegisterModelInput } from '../types/register-model.input';

@Resolver(() => Model)
export class ModelResolver {
  private readonly repo: Repository<Model>;
  private readonly versionRepo: Repository<ModelVersion>;
  private readonly aliasRepo: Repository<ModelAlias>;

  private readonly services: SubgraphServices;

  constructor(runtime: RegistryRuntime) {
    const services = (this.services = runtime.services);
    this.repo = services.db.getRepository(Model);
    this.versionRepo = services.db.getRepository(ModelVersion);
    this.aliasRepo = services.db.getRepository(ModelAlias);
  }

  @FieldResolver(() => [ModelVersion], { description: 'Every version, oldest first' })
  versions(@Root() model: Model): Promise<ModelVersion[]> {
    return this.versionRepo.find({ where: { modelName: model.name }, order: { version: 'ASC' } });
  }

  @FieldResolver(() => ModelVersion, { nullable: true, name: 'version' })
  versionByNumber(@Root() model: Model, @Arg('version', () => Int) version: number): Promise<ModelVersion | null> {
    return this.versionRepo.findOneBy({ modelName: model.name, version });
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The most recently registered version' })
  latestVersion(@Root() model: Model): Promise<ModelVersion | null> {
    return this.versionRepo.findOne({ where: { modelName: model.name }, order: { version: 'DESC' } });
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The version the production alias points to' })
  async productionVersion(@Root() model: Model): Promise<ModelVersion | null> {
    const alias = await this.aliasRepo.findOneBy({ modelName: model.name, alias: PRODUCTION_ALIAS });
    return alias ? this.versionRepo.findOneBy({ modelName: model.name, version: alias.versionNumber }) : null;
  }

  @FieldResolver(() => [ModelAlias])
  aliases(@Root() model: Model): Promise<ModelAlias[]> {
    return this.aliasRepo.find({ where: { modelName: model.name }, order: { alias: 'ASC' } });
  }

  @FieldResolver(() => [ModelEvent], { description: 'Alias moves, promotions, rollbacks and other changes, newest first' })
  events(@Root() model: Model, @Arg('first', () => Int, { defaultValue: 50 }) first: number): Promise<ModelEvent[]> {
    if (first < 1 || first > 1000) throw new BadUserInputError('first must be between 1 and 1000', { argument: 'first' });
    return this.services.db.getRepository(ModelEvent).find({ where: { modelName: model.name }, order: { id: 'DESC' }, take: first });
  }

  @Query(() => [Model], { description: 'Every registered model, by name' })
  models(): Promise<Model[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  @Query(() => Model, { nullable: true })
  model(@Arg('name') name: string): Promise<Model | null> {
    return this.repo.findOneBy({ name: assertModelName(name) });
  }

  @Authorized(ADMIN)
  @Mutation(() => Model, { description: 'Registers a model name with its task and input schema' })
  async registerModel(@Arg('input') input: RegisterModelInput, @Ctx() ctx: RequestContext): Promise<Model> {
    assertModelName(input.name, 'input.name');
    const seen = new Set<string>();
    for (const f of input.features) {
      if (seen.has(f.name)) throw new BadUserInputError(`feature ${f.name} is listed twice`, { argument: 'input.features' });
      seen.add(f.name);
      if (f.type === FeatureType.CATEGORICAL && !f.categories?.length) {
        throw new BadUserInputError(`categorical feature ${f.name} needs its categories (sent to the model as their 0-based index)`, {
          argument: 'input.features',
        });
      }
      if (f.type === FeatureType.NUMERIC && f.categories) {
        throw new BadUserInputError(`numeric feature ${f.name} takes no categories`, { argument: 'input.features' });
      }
      if (f.categories && new Set(f.categories).size !== f.categories.length) {
        throw new BadUserInputError(`categories of ${f.name} must be unique`, { argument: 'input.features' });
      }
    }
    const labels = input.labels ?? null;
    if (input.task === ModelTask.REGRESSION && labels) {
      throw new BadUserInputError('a regression model has no class labels', { argument: 'input.labels' });
    }
    if (labels && new Set(labels).size !== labels.length) {
      throw new BadUserInputError('class labels must be unique', { argument: 'input.labels' });
    }
    const model = this.repo.create({
      name: input.name,
      task: input.task,
      features: input.features.map((f) => ({ name: f.name, type: f.type, ...(f.categories && { categories: f.categories }) })),
      labels,
      description: input.description ?? null,
      createdBy: ctx.identity.subject,
    });
    try {
      await this.repo.insert(model);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`model ${input.name} already exists`, { model: input.name });
      throw err;
    }
    return model;
  }
}
