import {
  BadUserInputError,
  ConflictError,
  assertModelName,
  isUniqueViolation,
  type RequestContext,
  type SubgraphServices,
} from '@modelplane/core';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Repository } from 'typeorm';
import { Model, ModelTask } from '../entities/model.entity';
import { RegisterModelInput } from './types/register-model.input';

@Resolver(() => Model)
export class ModelResolver {
  private readonly repo: Repository<Model>;

  constructor(services: SubgraphServices) {
    this.repo = services.db.getRepository(Model);
  }

  @Query(() => [Model], { description: 'Every registered model, by name' })
  models(): Promise<Model[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  @Query(() => Model, { nullable: true })
  model(@Arg('name') name: string): Promise<Model | null> {
    return this.repo.findOneBy({ name: assertModelName(name) });
  }

  @Mutation(() => Model, { description: 'Registers a model name with its task and input schema' })
  async registerModel(@Arg('input') input: RegisterModelInput, @Ctx() ctx: RequestContext): Promise<Model> {
    assertModelName(input.name, 'input.name');
    const seen = new Set<string>();
    for (const f of input.features) {
      if (seen.has(f.name)) throw new BadUserInputError(`feature ${f.name} is listed twice`, { argument: 'input.features' });
      seen.add(f.name);
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
      features: input.features.map((f) => ({ name: f.name, type: f.type })),
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
