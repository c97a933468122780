import { Field, Float, InputType, registerEnumType } from 'type-graphql';
import { RunStatus, RunTrigger } from '../entities/run.entity';
import {
  ComparisonOperator,
  RunOrderField,
  SortDirection,
  type RunFilter as RunQueryFilter,
  type RunOrder as RunQueryOrder,
} from '../run-query';

registerEnumType(ComparisonOperator, { name: 'ComparisonOperator' });

@InputType({ description: "A condition on a metric's latest value" })
export class MetricCondition {
  @Field()
  key!: string;

  @Field(() => ComparisonOperator)
  op!: ComparisonOperator;

  @Field(() => Float)
  value!: number;
}

@InputType({
  description: 'A condition on a parameter: EQ/NEQ compare strings; GT, GTE, LT, LTE compare numerically and match only numeric values',
})
export class ParamCondition {
  @Field()
  key!: string;

  @Field(() => ComparisonOperator, { defaultValue: ComparisonOperator.EQ })
  op!: ComparisonOperator;

  @Field()
  value!: string;
}

@InputType({ description: 'A tag that must have this value' })
export class TagCondition {
  @Field()
  key!: string;

  @Field()
  value!: string;
}

@InputType({
  description:
    'Which runs to return. Every condition given in one filter must hold (AND); `and` lists filters that must all match, `or` lists filters of which at least one must match; `not` negates.',
})
export class RunFilter implements RunQueryFilter {
  @Field(() => [RunStatus], { nullable: true, description: 'Status is one of these' })
  status?: RunStatus[];

  @Field(() => [RunTrigger], { nullable: true, description: 'Trigger is one of these' })
  trigger?: RunTrigger[];

  @Field(() => [ParamCondition], { nullable: true })
  params?: ParamCondition[];

  @Field(() => [MetricCondition], { nullable: true })
  metrics?: MetricCondition[];

  @Field(() => [TagCondition], { nullable: true })
  tags?: TagCondition[];

  @Field({ nullable: true })
  createdAfter?: Date;

  @Field({ nullable: true })
  createdBefore?: Date;

  @Field(() => [RunFilter], { nullable: true })
  and?: RunFilter[];

  @Field(() => [RunFilter], { nullable: true })
  or?: RunFilter[];

  @Field(() => RunFilter, { nullable: true })
  not?: RunFilter;
}

registerEnumType(RunOrderField, { name: 'RunOrderField' });

registerEnumType(SortDirection, { name: 'SortDirection' });

@InputType({ description: 'One sort key: exactly one of field, metric (latest value) or param' })
export class RunOrder implements RunQueryOrder {
  @Field(() => RunOrderField, { nullable: true })
  field?: RunOrderField;

  @Field({ nullable: true })
  metric?: string;

  @Field({ nullable: true })
  param?: string;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction!: SortDirection;
}
