import { Field, Int, ObjectType } from 'type-graphql';
import { AccuracyStats } from './accuracy-stats.type';
import { DriftReport } from './drift-report.type';
import { LatencyStats } from './latency-stats.type';

/** Each part is computed only when asked for (field resolvers on ModelHealth). */
@ObjectType({ description: 'Drift, latency and accuracy of a model over one window' })
export class ModelHealth {
  model!: string;

  @Field(() => Int)
  windowSeconds!: number;

  @Field(() => DriftReport, { description: 'Drift of the production version' })
  drift!: DriftReport;

  @Field(() => LatencyStats)
  latency!: LatencyStats;

  @Field(() => AccuracyStats)
  accuracy!: AccuracyStats;
}
