import { isUuid } from '@modelplane/core';
import { Directive, FieldResolver, Resolver, Root } from 'type-graphql';
import { Run } from '../entities/run.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';
import { latestMetrics } from './run.resolver';
import { ModelVersionRef } from '../types/federated.type';
import { Metric } from '../types/run-data.type';

/** The registry's `ModelVersion` extended with its lineage: the run that produced it and that run's evaluation. */
@Resolver(() => ModelVersionRef)
export class ModelVersionResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  private async producingRun(version: ModelVersionRef): Promise<Run | null> {
    if (version.runId && isUuid(version.runId)) return this.runtime.store.find(version.runId);
    if (version.runId === undefined && isUuid(version.id)) {
      return this.runtime.deps.db.getRepository(Run).findOneBy({ producedVersionId: version.id });
    }
    return null;
  }

  @FieldResolver(() => Run, { nullable: true, description: 'The run that produced this version (by the runId it was registered with)' })
  @Directive('@requires(fields: "runId")')
  trainingRun(@Root() version: ModelVersionRef): Promise<Run | null> {
    return this.producingRun(version);
  }

  @FieldResolver(() => [Metric], { description: 'Evaluation metrics of the run that produced this version (latest value per key)' })
  @Directive('@requires(fields: "runId")')
  async metrics(@Root() version: ModelVersionRef): Promise<Metric[]> {
    const run = await this.producingRun(version);
    return run ? latestMetrics(run) : [];
  }
}
