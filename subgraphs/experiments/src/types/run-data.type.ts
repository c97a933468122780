import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Run } from '../entities/run.entity';

@ObjectType({ description: 'A training parameter (values are strings, as in MLflow)' })
export class Param {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@ObjectType({ description: 'A tag on a run' })
export class Tag {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@ObjectType({ description: 'One value of a metric at a step' })
export class Metric {
  @Field()
  key!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Int)
  step!: number;

  @Field()
  timestamp!: Date;
}

@ObjectType({ description: 'What the promotion gate decided for the version a run registered' })
export class PromotionDecision {
  @Field()
  promoted!: boolean;

  @Field()
  reason!: string;

  @Field(() => Int)
  candidateVersion!: number;

  @Field(() => Float, { description: 'Test ROC AUC of the new version' })
  candidateRocAuc!: number;

  @Field(() => Int, { nullable: true, description: 'The production version it was compared with' })
  productionVersion!: number | null;

  @Field(() => Float, { nullable: true, description: 'Test ROC AUC of that production version on the same held-out rows' })
  productionRocAuc!: number | null;

  @Field(() => Float)
  minImprovement!: number;

  @Field()
  autoPromote!: boolean;
}

@ObjectType({ description: 'One metric across the compared runs' })
export class MetricComparison {
  @Field()
  key!: string;

  @Field(() => [Float], { nullable: 'items', description: 'Latest value per run, in the order of `runs` (null when not logged)' })
  values!: Array<number | null>;

  @Field(() => ID, { nullable: true, description: 'Run with the highest value (lowest for losses and errors)' })
  bestRunId!: string | null;
}

@ObjectType({ description: 'One parameter across the compared runs' })
export class ParamComparison {
  @Field()
  key!: string;

  @Field(() => [String], { nullable: 'items', description: 'Value per run, in the order of `runs`' })
  values!: Array<string | null>;

  @Field({ description: 'true when the runs do not all have the same value' })
  differs!: boolean;
}

@ObjectType({ description: 'Runs side by side' })
export class RunComparison {
  @Field(() => [Run])
  runs!: Run[];

  @Field(() => [MetricComparison])
  metrics!: MetricComparison[];

  @Field(() => [ParamComparison])
  params!: ParamComparison[];
}
