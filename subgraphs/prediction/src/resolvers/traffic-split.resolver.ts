import { randomUUID } from 'node:crypto';
import {
  assertModelName,
  BadUserInputError,
  NotFoundError,
  OPERATOR,
  PgPubSub,
  ROUTING_CHANGED,
  servingChange,
  type RequestContext,
  type SubgraphServices,
} from '@modelplane/core';
import { Arg, Authorized, Ctx, FieldResolver, Float, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EntityManager, Repository } from 'typeorm';
import { TrafficSplit } from '../entities/traffic-split.entity';
import type { PredictionRuntime } from '../prediction.runtime';
import { ModelRef } from '../types/federated.type';

@Resolver(() => ModelRef)
export class TrafficSplitResolver {
  private readonly splits: Repository<TrafficSplit>;
  private readonly services: SubgraphServices;

  constructor(private readonly runtime: PredictionRuntime) {
    this.services = runtime.services;
    this.splits = runtime.services.db.getRepository(TrafficSplit);
  }

  @Query(() => TrafficSplit, { nullable: true, description: 'The canary and shadow routing of a model, if any' })
  trafficSplit(@Arg('model') model: string): Promise<TrafficSplit | null> {
    return this.splits.findOneBy({ model: assertModelName(model, 'model') });
  }

  @FieldResolver(() => TrafficSplit, { name: 'trafficSplit', nullable: true })
  modelTrafficSplit(@Root() model: ModelRef): Promise<TrafficSplit | null> {
    return this.splits.findOneBy({ model: model.name });
  }

  @Authorized(OPERATOR)
  @Mutation(() => TrafficSplit, { description: 'Sends `percent` of the default traffic to a canary version (sticky per requestKey)' })
  async setTrafficSplit(
    @Arg('model') model: string,
    @Arg('canaryVersion', () => Int) canaryVersion: number,
    @Arg('percent', () => Float) percent: number,
    @Ctx() ctx: RequestContext,
  ): Promise<TrafficSplit> {
    if (!Number.isFinite(percent) || percent < 0 || percent > 100)
      throw new BadUserInputError('percent must be between 0 and 100', { argument: 'percent' });
    await this.assertServable(model, canaryVersion, 'canaryVersion');
    return (await this.update(model, ctx, { canaryVersion, percent }))!;
  }

  @Authorized(OPERATOR)
  @Mutation(() => TrafficSplit, { nullable: true, description: 'Stops the canary; all default traffic goes to production' })
  async clearTrafficSplit(@Arg('model') model: string, @Ctx() ctx: RequestContext): Promise<TrafficSplit | null> {
    assertModelName(model, 'model');
    return this.update(model, ctx, { canaryVersion: null, percent: 0 });
  }

  @Authorized(OPERATOR)
  @Mutation(() => TrafficSplit, {
    description: 'Sends a copy of every default request to a shadow version; its answers are logged, never returned',
  })
  async setShadowVersion(
    @Arg('model') model: string,
    @Arg('version', () => Int) version: number,
    @Ctx() ctx: RequestContext,
  ): Promise<TrafficSplit> {
    await this.assertServable(model, version, 'version');
    return (await this.update(model, ctx, { shadowVersion: version }))!;
  }

  @Authorized(OPERATOR)
  @Mutation(() => TrafficSplit, { nullable: true })
  async clearShadowVersion(@Arg('model') model: string, @Ctx() ctx: RequestContext): Promise<TrafficSplit | null> {
    assertModelName(model, 'model');
    return this.update(model, ctx, { shadowVersion: null });
  }

  private async assertServable(model: string, version: number, argument: string): Promise<void> {
    assertModelName(model, 'model');
    const serving = await this.runtime.catalog.get(model);
    const v = serving.versions.get(version);
    if (!v) throw new NotFoundError(`model ${model} has no version ${version}`, { model, version, argument });
    if (v.status === 'ARCHIVED') throw new BadUserInputError(`version ${version} of ${model} is archived`, { model, version, argument });
  }

  /**
   * Upserts the routing row, announces it to every replica when the transaction commits, and
   * answers once every live replica routes by it (at most SERVING_ACK_TIMEOUT_MS).
   */
  private async update(model: string, ctx: RequestContext, change: Partial<TrafficSplit>): Promise<TrafficSplit | null> {
    const changeId = randomUUID();
    const result = await this.services.db.transaction(async (em: EntityManager) => {
      const repo = em.getRepository(TrafficSplit);
      const current = await repo.findOne({ where: { model }, lock: { mode: 'pessimistic_write' } });
      const next = { canaryVersion: null, percent: 0, shadowVersion: null, ...current, ...change, model, updatedBy: ctx.identity.subject };
      if (next.canaryVersion === null && next.shadowVersion === null) {
        await repo.delete({ model });
      } else {
        await repo.upsert({ ...next, updatedAt: new Date() }, ['model']);
      }
      await PgPubSub.publishWithin((sql, params) => em.query(sql, params), ROUTING_CHANGED, {
        model,
        changeId,
      });
      return next.canaryVersion === null && next.shadowVersion === null ? null : repo.findOneByOrFail({ model });
    });
    await this.runtime.acks.waitApplied(servingChange.routing(changeId));
    return result;
  }
}
