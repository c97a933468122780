import { Field, Float, Int, ObjectType } from 'type-graphql';
import type * as reports from '../analysis/reports';
import { WindowStatsFields } from './window-stats.type';

@ObjectType({ description: 'Quality of the predictions in a window that have feedback (recordFeedback)' })
export class AccuracyStats extends WindowStatsFields implements reports.AccuracyStats {
  @Field(() => Int, { description: 'Predictions in the window with a recorded outcome' })
  labelled!: number;

  @Field(() => Int, { description: 'Labelled predictions needed before scores are reported (MONITORING_ACCURACY_MIN_LABELS)' })
  minLabels!: number;

  @Field()
  insufficientData!: boolean;

  @Field(() => Float, { nullable: true })
  accuracy!: number | null;

  @Field(() => Float, { nullable: true, description: 'Binary: of the positive class; multiclass: macro average' })
  precision!: number | null;

  @Field(() => Float, { nullable: true })
  recall!: number | null;

  @Field(() => Float, { nullable: true })
  f1!: number | null;

  @Field(() => String, { nullable: true, description: "Binary models: the positive class (the second of the model's labels)" })
  positiveLabel!: string | null;

  @Field(() => Float, { nullable: true, description: 'Regression: mean absolute error' })
  mae!: number | null;

  @Field(() => Float, { nullable: true, description: 'Regression: root mean squared error' })
  rmse!: number | null;

  @Field()
  computedAt!: Date;
}
