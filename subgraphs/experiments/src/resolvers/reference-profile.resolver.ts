import { assertModelName, BadUserInputError } from '@modelplane/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Int, Query, Resolver } from 'type-graphql';
import { ReferenceProfileRecord } from '../entities/reference-profile.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';

@Resolver()
export class ReferenceProfileResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  @Query(() => GraphQLJSONObject, {
    nullable: true,
    description:
      "The reference profile of a version's training data (@modelplane/ml ReferenceProfile JSON: per-feature quantiles, histogram, sample); null when the version was not trained here",
  })
  async referenceProfile(@Arg('model') model: string, @Arg('version', () => Int) version: number): Promise<object | null> {
    assertModelName(model, 'model');
    if (version < 1) throw new BadUserInputError('version must be positive', { argument: 'version' });
    const record = await this.runtime.deps.db.getRepository(ReferenceProfileRecord).findOneBy({ modelName: model, version });
    return record?.profile ?? null;
  }
}
