import { assertModelName, BadUserInputError, type RequestContext } from '@modelplane/core';
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { validateWindow } from '../alerts/rule-validation';
import type { WindowQuery } from '../analysis/monitoring-analysis';
import type { MonitoringRuntime } from '../monitoring.runtime';
import { AccuracyStats } from '../types/accuracy-stats.type';
import { DriftReport } from '../types/drift-report.type';
import { LatencyStats } from '../types/latency-stats.type';
import { WindowArgs } from '../types/window.args';

export function windowQuery(args: WindowArgs, ctx: RequestContext): WindowQuery {
  assertModelName(args.model, 'model');
  if (args.version != null && (!Number.isInteger(args.version) || args.version < 1)) {
    throw new BadUserInputError('version must be a positive integer', { argument: 'version' });
  }
  if (args.windowSeconds != null) validateWindow(args.windowSeconds);
  return { model: args.model, version: args.version, windowSeconds: args.windowSeconds, requestId: ctx.requestId };
}

@Resolver()
export class ReportResolver {
  constructor(private readonly runtime: MonitoringRuntime) {}

  @Query(() => DriftReport, {
    description: 'Data drift of a version (default: production) over a window of its logged predictions, against its reference',
  })
  driftReport(@Args() args: WindowArgs, @Ctx() ctx: RequestContext): Promise<DriftReport> {
    return this.runtime.analysis.drift(windowQuery(args, ctx));
  }

  @Query(() => LatencyStats, { description: 'p50/p95/p99 latency and error rate over a window' })
  latencyReport(@Args() args: WindowArgs, @Ctx() ctx: RequestContext): Promise<LatencyStats> {
    return this.runtime.analysis.latency(windowQuery(args, ctx));
  }

  @Query(() => AccuracyStats, {
    description: 'Accuracy, precision, recall and F1 (MAE and RMSE for regression) from feedback over a window',
  })
  accuracyReport(@Args() args: WindowArgs, @Ctx() ctx: RequestContext): Promise<AccuracyStats> {
    return this.runtime.analysis.accuracy(windowQuery(args, ctx));
  }
}
