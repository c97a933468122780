import { assertModelName, BadUserInputError, ModelRefType, type ModelRef, type SubgraphServices } from '@modelplane/core';
import { Arg, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { Repository } from 'typeorm';
import { Run } from '../entities/run.entity';

// Defined at import, before type-graphql builds its metadata.
const Model = ModelRefType();

@Resolver(() => Model)
export class RunResolver {
  private readonly repo: Repository<Run>;

  constructor(services: SubgraphServices) {
    this.repo = services.db.getRepository(Run);
  }

  @Query(() => [Run], { description: 'Training runs of a model, newest first' })
  runs(@Arg('model') model: string, @Arg('first', () => Int, { defaultValue: 20 }) first: number): Promise<Run[]> {
    if (first < 1 || first > 500) throw new BadUserInputError('first must be between 1 and 500', { argument: 'first' });
    return this.repo.find({ where: { modelName: assertModelName(model, 'model') }, order: { createdAt: 'DESC' }, take: first });
  }

  @FieldResolver(() => Run, { nullable: true, description: 'The most recent training run' })
  latestRun(@Root() model: ModelRef): Promise<Run | null> {
    return this.repo.findOne({ where: { modelName: model.name }, order: { createdAt: 'DESC' } });
  }
}
