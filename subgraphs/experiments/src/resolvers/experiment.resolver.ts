import { ADMIN, assertModelName, BadUserInputError } from '@modelplane/core';
import { Arg, Authorized, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Experiment } from '../entities/experiment.entity';
import { Run } from '../entities/run.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';
import { parseTrainingParams, TRAINERS } from '../training/training-params';
import { UpdateExperimentInput } from '../types/experiment.input';
import { ModelRef } from '../types/federated.type';

/** Experiments, and the registry's `Model` extended with its runs. */
@Resolver(() => ModelRef)
export class ExperimentResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  @FieldResolver(() => Run, { nullable: true, description: 'The most recent training run' })
  latestRun(@Root() model: ModelRef): Promise<Run | null> {
    return this.runtime.deps.db.getRepository(Run).findOne({ where: { modelName: model.name }, order: { createdAt: 'DESC' } });
  }

  @FieldResolver(() => Experiment, { nullable: true, description: 'The experiment tracking this model’s runs' })
  experiment(@Root() model: ModelRef): Promise<Experiment | null> {
    return this.runtime.store.experiment(model.name);
  }

  @FieldResolver(() => [Run], { description: 'Training runs, newest first' })
  runs(@Root() model: ModelRef, @Arg('first', () => Int, { defaultValue: 20 }) first: number): Promise<Run[]> {
    return this.runtime.store.search({ model: model.name, first });
  }

  @Query(() => [Experiment], { description: 'Every experiment, by model name' })
  experiments(): Promise<Experiment[]> {
    return this.runtime.deps.db.getRepository(Experiment).find({ order: { modelName: 'ASC' } });
  }

  @Query(() => Experiment, { nullable: true, name: 'experiment', description: "A model's experiment" })
  experimentByModel(@Arg('model') model: string): Promise<Experiment | null> {
    return this.runtime.store.experiment(assertModelName(model, 'model'));
  }

  @Authorized(ADMIN)
  @Mutation(() => Experiment, { description: 'Changes a model’s training defaults and promotion policy' })
  async updateExperiment(@Arg('model') model: string, @Arg('input') input: UpdateExperimentInput): Promise<Experiment> {
    assertModelName(model, 'model');
    const current = await this.runtime.store.ensureExperiment(model, this.runtime.experimentDefaults);
    const trainer = input.trainer ?? current.trainer;
    if (!TRAINERS.includes(trainer as never))
      throw new BadUserInputError(`trainer must be one of ${TRAINERS.join(', ')}`, { argument: 'input.trainer' });
    const defaultParams = input.defaultParams ?? (input.trainer && input.trainer !== current.trainer ? {} : current.defaultParams);
    // Validate now, so a bad default cannot break every later retraining.
    parseTrainingParams({ ...defaultParams, trainer }, { trainer, params: {} });
    if (input.minImprovement !== undefined && input.minImprovement !== null && !(input.minImprovement >= -1 && input.minImprovement <= 1)) {
      throw new BadUserInputError('minImprovement must be between -1 and 1', { argument: 'input.minImprovement' });
    }
    if (input.dataset && !(await this.runtime.datasets.latestBase(input.dataset))) {
      throw new BadUserInputError(`dataset ${input.dataset} does not exist`, { argument: 'input.dataset' });
    }
    const { trainer: _t, ...params } = defaultParams;
    await this.runtime.deps.db.query(
      `UPDATE experiments.experiment SET description = COALESCE($2, description), dataset_name = COALESCE($3, dataset_name), trainer = $4,
         default_params = $5, auto_promote = COALESCE($6, auto_promote), min_improvement = COALESCE($7, min_improvement), updated_at = now()
       WHERE id = $1`,
      [
        current.id,
        input.description ?? null,
        input.dataset ?? null,
        trainer,
        params,
        input.autoPromote ?? null,
        input.minImprovement ?? null,
      ],
    );
    return this.runtime.deps.db.getRepository(Experiment).findOneByOrFail({ id: current.id });
  }
}
