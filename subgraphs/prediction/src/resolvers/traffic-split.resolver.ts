import { assertModelName, ModelRefType, type ModelRef, type SubgraphServices } from '@modelplane/core';
import { Arg, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Repository } from 'typeorm';
import { TrafficSplit } from '../entities/traffic-split.entity';

// Defined at import, before type-graphql builds its metadata.
const Model = ModelRefType();

@Resolver(() => Model)
export class TrafficSplitResolver {
  private readonly splits: Repository<TrafficSplit>;

  constructor(services: SubgraphServices) {
    this.splits = services.db.getRepository(TrafficSplit);
  }

  @Query(() => TrafficSplit, { nullable: true, description: 'The canary split of a model, if one is set' })
  trafficSplit(@Arg('model') model: string): Promise<TrafficSplit | null> {
    return this.splits.findOneBy({ model: assertModelName(model, 'model') });
  }

  @FieldResolver(() => TrafficSplit, { name: 'trafficSplit', nullable: true })
  modelTrafficSplit(@Root() model: ModelRef): Promise<TrafficSplit | null> {
    return this.splits.findOneBy({ model: model.name });
  }
}
