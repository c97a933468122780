import { ADMIN, assertModelName, BadUserInputError, isUuid } from '@modelplane/core';
import { Arg, Authorized, ID, Mutation, Query, Resolver } from 'type-graphql';
import { DatasetVersion, type SplitSpec } from '../entities/dataset-version.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';
import { RegisterDatasetInput } from '../types/dataset.input';

@Resolver(() => DatasetVersion)
export class DatasetResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  @Query(() => [DatasetVersion], { description: 'Dataset versions, by name then newest first' })
  async datasets(@Arg('name', () => String, { nullable: true }) name: string | null): Promise<DatasetVersion[]> {
    return this.runtime.datasets.list(name);
  }

  @Query(() => DatasetVersion, { nullable: true })
  datasetVersion(@Arg('id', () => ID) id: string): Promise<DatasetVersion | null> | null {
    return isUuid(id) ? this.runtime.datasets.byId(id) : null;
  }

  @Authorized(ADMIN)
  @Mutation(() => DatasetVersion, {
    description: 'Registers a dataset version (identical content under the same name returns the existing version)',
  })
  async registerDataset(@Arg('input') input: RegisterDatasetInput): Promise<DatasetVersion> {
    if (input.model) assertModelName(input.model, 'input.model');
    if (input.testFrom && input.testFraction !== undefined && input.testFraction !== null) {
      throw new BadUserInputError('give testFrom or testFraction, not both', { argument: 'input' });
    }
    const split: SplitSpec = input.testFrom
      ? { kind: 'chronological', trainBefore: input.testFrom, testFrom: input.testFrom }
      : { kind: 'fraction', testFraction: input.testFraction ?? 0.2, seed: 0 };
    const { dataset } = await this.runtime.datasets.register({
      name: input.name,
      featureNames: input.features,
      labels: input.labels ?? null,
      rows: input.rows.map((r) => ({ date: r.date ?? '', features: r.values, label: r.label as 0 | 1 })),
      split,
      source: input.source ?? null,
    });
    if (input.model) {
      const experiment = await this.runtime.store.ensureExperiment(input.model, this.runtime.experimentDefaults);
      await this.runtime.deps.db.query('UPDATE experiments.experiment SET dataset_name = $2, updated_at = now() WHERE id = $1', [
        experiment.id,
        dataset.name,
      ]);
    }
    return dataset;
  }
}
