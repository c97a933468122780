import { Field, Float, Int, ObjectType } from 'type-graphql';
import type * as reports from '../analysis/reports';
import { WindowStatsFields } from './window-stats.type';

@ObjectType({ description: 'Serving latency over a window, per request (the rows of one predictBatch call count once)' })
export class LatencyStats extends WindowStatsFields implements reports.LatencyStats {
  @Field(() => Int, { description: 'Requests' })
  count!: number;

  @Field(() => Int, { description: 'Rows predicted' })
  predictions!: number;

  @Field(() => Float, { nullable: true })
  p50Ms!: number | null;

  @Field(() => Float, { nullable: true })
  p95Ms!: number | null;

  @Field(() => Float, { nullable: true })
  p99Ms!: number | null;

  @Field(() => Float, { nullable: true })
  meanMs!: number | null;

  @Field(() => Float, { nullable: true })
  maxMs!: number | null;

  @Field(() => Int, { description: 'Failed requests the prediction log reports (it reports none yet)' })
  errors!: number;

  @Field(() => Float, { nullable: true, description: 'errors / (requests + errors); null without requests' })
  errorRate!: number | null;

  @Field()
  computedAt!: Date;
}
