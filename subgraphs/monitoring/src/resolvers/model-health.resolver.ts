import type { RequestContext } from '@modelplane/core';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { MonitoringRuntime } from '../monitoring.runtime';
import { AccuracyStats } from '../types/accuracy-stats.type';
import { DriftReport } from '../types/drift-report.type';
import { LatencyStats } from '../types/latency-stats.type';
import { ModelHealth } from '../types/model-health.type';

/** Each part of Model.health is computed only when a query selects it. */
@Resolver(() => ModelHealth)
export class ModelHealthResolver {
  constructor(private readonly runtime: MonitoringRuntime) {}

  @FieldResolver(() => DriftReport)
  drift(@Root() health: ModelHealth, @Ctx() ctx: RequestContext): Promise<DriftReport> {
    return this.runtime.analysis.drift({ model: health.model, windowSeconds: health.windowSeconds, requestId: ctx.requestId });
  }

  @FieldResolver(() => LatencyStats)
  latency(@Root() health: ModelHealth): Promise<LatencyStats> {
    return this.runtime.analysis.latency({ model: health.model, windowSeconds: health.windowSeconds });
  }

  @FieldResolver(() => AccuracyStats)
  accuracy(@Root() health: ModelHealth, @Ctx() ctx: RequestContext): Promise<AccuracyStats> {
    return this.runtime.analysis.accuracy({ model: health.model, windowSeconds: health.windowSeconds, requestId: ctx.requestId });
  }
}
