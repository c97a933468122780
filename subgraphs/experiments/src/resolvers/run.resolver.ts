import { BadUserInputError, NotFoundError, OPERATOR, RUN_UPDATED, type RequestContext, type RunUpdatedEvent } from '@modelplane/core';
import { Arg, Args, Authorized, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { DatasetVersion } from '../entities/dataset-version.entity';
import { Experiment } from '../entities/experiment.entity';
import { RunLog } from '../entities/run-log.entity';
import { Run, RunStatus } from '../entities/run.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';
import { ModelRef, ModelVersionRef } from '../types/federated.type';
import { Metric, MetricComparison, Param, ParamComparison, PromotionDecision, RunComparison, Tag } from '../types/run-data.type';
import { RunsArgs } from '../types/runs.args';
import { TriggerRetrainingArgs } from '../types/trigger-retraining.args';

/** Metrics where lower is better (compareRuns marks the lowest as best). */
const LOWER_IS_BETTER = /(loss|error|brier|seconds|diff|false_)/i;

export function latestMetrics(run: Run): Metric[] {
  return Object.entries(run.latestMetrics ?? {})
    .map(([key, m]) => ({ key, value: m.value, step: Number(m.step), timestamp: new Date(m.timestamp) }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

@Resolver(() => Run)
export class RunResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  @Query(() => Run, { nullable: true })
  run(@Arg('id', () => ID) id: string): Promise<Run | null> {
    return this.runtime.store.find(id);
  }

  @Query(() => [Run], {
    description:
      'Runs of a model through an optional filter (AND, OR, NOT over status, trigger, params, metrics, tags), newest first unless ordered',
  })
  runs(@Args() args: RunsArgs): Promise<Run[]> {
    return this.runtime.store.search(args);
  }

  @Query(() => RunComparison, { description: 'Runs side by side: their latest metrics and params, key by key' })
  async compareRuns(@Arg('ids', () => [ID]) ids: string[]): Promise<RunComparison> {
    if (ids.length < 1 || ids.length > 50) throw new BadUserInputError('compare 1 to 50 runs', { argument: 'ids' });
    const found = new Map((await this.runtime.store.findMany(ids)).map((r) => [r.id, r]));
    const runs = ids.map((id) => {
      const run = found.get(id);
      if (!run) throw new NotFoundError(`run ${id} does not exist`, { argument: 'ids', runId: id });
      return run;
    });
    const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.latestMetrics ?? {})))].sort();
    const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params ?? {})))].sort();
    const metrics = metricKeys.map((key): MetricComparison => {
      const values = runs.map((r) => r.latestMetrics?.[key]?.value ?? null);
      let best: number | null = null;
      values.forEach((v, i) => {
        if (v === null) return;
        const better = best === null || (LOWER_IS_BETTER.test(key) ? v < values[best]! : v > values[best]!);
        if (better) best = i;
      });
      return { key, values, bestRunId: best === null ? null : runs[best]!.id };
    });
    const params = paramKeys.map((key): ParamComparison => {
      const values = runs.map((r) => r.params?.[key] ?? null);
      return { key, values, differs: new Set(values).size > 1 };
    });
    return { runs, metrics, params };
  }

  @Authorized(OPERATOR)
  @Mutation(() => Run, {
    description:
      'Queues a training run of the model as a durable job and returns it at once (QUEUED). The run trains, evaluates, registers a version and applies the promotion gate.',
  })
  triggerRetraining(@Args() args: TriggerRetrainingArgs, @Ctx() ctx: RequestContext): Promise<Run> {
    return this.runtime.trigger({ ...args, actor: ctx.identity.subject });
  }

  @Authorized(OPERATOR)
  @Mutation(() => Run, { description: 'Cancels a queued or running run (not one that already registered its version)' })
  cancelRun(@Arg('id', () => ID) id: string, @Arg('reason', () => String, { nullable: true }) reason: string | null): Promise<Run> {
    if (reason && reason.length > 10000) throw new BadUserInputError('reason is at most 10000 characters', { argument: 'reason' });
    return this.runtime.cancel(id, reason ?? null);
  }

  @Subscription(() => Run, {
    topics: RUN_UPDATED,
    topicId: ({ args }) => (args as { id: string }).id,
    description: 'The run each time it changes: status, progress (at most 10 updates a second while training), metrics',
  })
  async runUpdated(@Root() event: RunUpdatedEvent, @Arg('id', () => ID) _id: string): Promise<Run> {
    const run = await this.runtime.store.find(event.id);
    if (!run) throw new NotFoundError(`run ${event.id} does not exist`);
    // Each event shows the state it announced, even if the row has moved on since.
    return Object.assign(run, { status: event.status as RunStatus, progress: event.progress });
  }

  @FieldResolver(() => ModelRef, { description: 'The model this run trains' })
  model(@Root() run: Run): InstanceType<typeof ModelRef> {
    return { name: run.modelName };
  }

  @FieldResolver(() => Experiment, { nullable: true })
  experiment(@Root() run: Run): Promise<Experiment | null> {
    return this.runtime.store.experiment(run.modelName);
  }

  @FieldResolver(() => [Param], { description: 'Parameters, by key' })
  params(@Root() run: Run): Param[] {
    return Object.entries(run.params ?? {})
      .map(([key, value]) => ({ key, value }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  @FieldResolver(() => [Tag])
  tags(@Root() run: Run): Tag[] {
    return Object.entries(run.tags ?? {})
      .map(([key, value]) => ({ key, value }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  @FieldResolver(() => [Metric], { description: 'The latest value of every metric (highest step), by key' })
  metrics(@Root() run: Run): Metric[] {
    return latestMetrics(run);
  }

  @FieldResolver(() => [Metric], { description: 'Every logged value of one metric, by step' })
  metricHistory(@Root() run: Run, @Arg('key') key: string): Promise<Metric[]> {
    return this.runtime.store.metricHistory(run.id, key);
  }

  @FieldResolver(() => DatasetVersion, { nullable: true, description: 'The dataset version it trained on' })
  dataset(@Root() run: Run): Promise<DatasetVersion | null> | null {
    return run.datasetVersionId ? this.runtime.datasets.byId(run.datasetVersionId) : null;
  }

  @FieldResolver(() => [RunLog], { description: 'The last lines of the run’s log, oldest first' })
  logs(@Root() run: Run, @Arg('last', () => Int, { defaultValue: 100 }) last: number): Promise<RunLog[]> {
    if (last < 1 || last > 10000) throw new BadUserInputError('last must be between 1 and 10000', { argument: 'last' });
    return this.runtime.store.logs(run.id, last);
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Seconds from start to finish (or to now while running)' })
  durationSeconds(@Root() run: Run): number | null {
    if (!run.startedAt) return null;
    return ((run.finishedAt ?? new Date()).getTime() - new Date(run.startedAt).getTime()) / 1000;
  }

  @FieldResolver(() => ModelVersionRef, { nullable: true, description: 'The version this run registered' })
  producedVersion(@Root() run: Run): ModelVersionRef | null {
    return run.producedVersionId ? { id: run.producedVersionId } : null;
  }

  @FieldResolver(() => PromotionDecision, { nullable: true, description: 'What the promotion gate decided for the produced version' })
  promotion(@Root() run: Run): PromotionDecision | null {
    return run.promotion;
  }
}
