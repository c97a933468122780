import { ADMIN, assertModelName, BadUserInputError, type RequestContext } from '@modelplane/core';
import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Repository } from 'typeorm';
import { RetrainPolicy } from '../entities/retrain-policy.entity';
import type { MonitoringRuntime } from '../monitoring.runtime';

const MAX_INTERVAL_SECONDS = 365 * 86400;

@Resolver(() => RetrainPolicy)
export class RetrainPolicyResolver {
  private readonly policies: Repository<RetrainPolicy>;
  private readonly services: MonitoringRuntime['services'];

  constructor(private readonly runtime: MonitoringRuntime) {
    const services = (this.services = runtime.services);
    this.policies = services.db.getRepository(RetrainPolicy);
  }

  @Query(() => RetrainPolicy, { nullable: true, description: "A model's retrain policy (null: drift never retrains it)" })
  retrainPolicy(@Arg('model') model: string): Promise<RetrainPolicy | null> {
    return this.policies.findOneBy({ model: assertModelName(model, 'model') });
  }

  @Authorized(ADMIN)
  @Mutation(() => RetrainPolicy, {
    description:
      'Whether a firing DRIFT alert triggers retraining (triggerRetraining with trigger DRIFT), at most once per minIntervalSeconds ' +
      '(default MONITORING_RETRAIN_MIN_INTERVAL_SECONDS)',
  })
  async setRetrainPolicy(
    @Arg('model') model: string,
    @Arg('onDrift') onDrift: boolean,
    @Arg('minIntervalSeconds', () => Int, { nullable: true }) minIntervalSeconds: number | null,
    @Ctx() ctx: RequestContext,
  ): Promise<RetrainPolicy> {
    assertModelName(model, 'model');
    if (minIntervalSeconds != null && (minIntervalSeconds < 0 || minIntervalSeconds > MAX_INTERVAL_SECONDS)) {
      throw new BadUserInputError(`minIntervalSeconds must be between 0 and ${MAX_INTERVAL_SECONDS}`, { argument: 'minIntervalSeconds' });
    }
    await this.runtime.registry.model(model, ctx.requestId);
    const existing = await this.policies.findOneBy({ model });
    const interval = minIntervalSeconds ?? existing?.minIntervalSeconds ?? this.services.config.MONITORING_RETRAIN_MIN_INTERVAL_SECONDS;
    await this.policies.upsert({ model, onDrift, minIntervalSeconds: interval, updatedBy: ctx.identity.subject, updatedAt: new Date() }, [
      'model',
    ]);
    return this.policies.findOneByOrFail({ model });
  }
}
