import { assertModelName, BadUserInputError, OPERATOR, type RequestContext } from '@modelplane/core';
import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Run, RunStatus, RunTrigger } from '../entities/run.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';
import { MetricInput, ParamInput, StartRunInput, TagInput } from '../types/tracking.input';

function keyValues(items: Array<{ key: string; value: string }> | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of items ?? []) {
    if (key in out && out[key] !== value)
      throw new BadUserInputError(`${what} ${key} is given twice with different values`, { argument: what });
    out[key] = value;
  }
  return out;
}

/** MLflow's tracking API for trainers outside the platform: start a run, log to it, end it. */
@Resolver(() => Run)
export class TrackingResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  @Authorized(OPERATOR)
  @Mutation(() => Run, {
    description:
      'Starts a RUNNING run (trigger EXTERNAL) for a trainer outside the platform; register its model with createModelVersion(input: { runId })',
  })
  async startRun(@Arg('input') input: StartRunInput, @Ctx() ctx: RequestContext): Promise<Run> {
    assertModelName(input.model, 'input.model');
    const params = keyValues(input.params, 'params');
    const tags = keyValues(input.tags, 'tags');
    if (input.datasetVersionId && !(await this.runtime.datasets.byId(input.datasetVersionId).catch(() => null))) {
      throw new BadUserInputError(`dataset version ${input.datasetVersionId} does not exist`, { argument: 'input.datasetVersionId' });
    }
    const { run } = await this.runtime.deps.db.transaction((em) =>
      this.runtime.store.createRun(
        {
          model: input.model,
          trigger: RunTrigger.EXTERNAL,
          status: RunStatus.RUNNING,
          managed: false,
          reason: input.reason ?? null,
          params,
          tags,
          seed: input.seed ?? null,
          codeVersion: input.codeVersion ?? null,
          datasetVersionId: input.datasetVersionId ?? null,
          createdBy: ctx.identity.subject,
        },
        this.runtime.experimentDefaults,
        em,
      ),
    );
    return run;
  }

  @Authorized(OPERATOR)
  @Mutation(() => Run, { description: 'Logs parameters; a parameter cannot change once logged (CONFLICT)' })
  logParams(@Arg('runId', () => ID) runId: string, @Arg('params', () => [ParamInput]) params: ParamInput[]): Promise<Run> {
    return this.runtime.store.logParams(runId, params);
  }

  @Authorized(OPERATOR)
  @Mutation(() => Run, { description: 'Logs a batch of metric values (each a point of that metric’s history)' })
  logMetrics(@Arg('runId', () => ID) runId: string, @Arg('metrics', () => [MetricInput]) metrics: MetricInput[]): Promise<Run> {
    return this.runtime.store.logMetrics(runId, metrics);
  }

  @Authorized(OPERATOR)
  @Mutation(() => Run, { description: 'Sets tags (a later value replaces an earlier one)' })
  setRunTags(@Arg('runId', () => ID) runId: string, @Arg('tags', () => [TagInput]) tags: TagInput[]): Promise<Run> {
    keyValues(tags, 'tags');
    return this.runtime.store.setTags(runId, tags);
  }

  @Authorized(OPERATOR)
  @Mutation(() => Run, { description: 'Ends an external run' })
  finishRun(
    @Arg('runId', () => ID) runId: string,
    @Arg('status', () => RunStatus, { defaultValue: RunStatus.SUCCEEDED }) status: RunStatus,
    @Arg('error', () => String, { nullable: true }) error: string | null,
  ): Promise<Run> {
    return this.runtime.store.finishExternal(runId, status, error ?? null);
  }
}
