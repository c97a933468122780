import type { RunStatus, RunTrigger } from './entities/run.entity';

/** A condition operator of a run filter. Run filters and sort keys are plain data here, as the tracking store takes them. */
export enum ComparisonOperator {
  EQ = 'EQ',
  NEQ = 'NEQ',
  GT = 'GT',
  GTE = 'GTE',
  LT = 'LT',
  LTE = 'LTE',
}

/** A condition on a metric's latest value. */
export interface MetricCondition {
  key: string;
  op: ComparisonOperator;
  value: number;
}

/** A condition on a parameter: EQ/NEQ compare strings; the others compare numerically. */
export interface ParamCondition {
  key: string;
  op: ComparisonOperator;
  value: string;
}

export interface TagCondition {
  key: string;
  value: string;
}

/** Every condition given must hold (AND); `and`, `or` and `not` combine filters. */
export interface RunFilter {
  status?: RunStatus[];
  trigger?: RunTrigger[];
  params?: ParamCondition[];
  metrics?: MetricCondition[];
  tags?: TagCondition[];
  createdAfter?: Date;
  createdBefore?: Date;
  and?: RunFilter[];
  or?: RunFilter[];
  not?: RunFilter;
}

export enum RunOrderField {
  CREATED_AT = 'CREATED_AT',
  STARTED_AT = 'STARTED_AT',
  FINISHED_AT = 'FINISHED_AT',
  DURATION = 'DURATION',
  STATUS = 'STATUS',
}

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

/** One sort key: exactly one of field, metric (latest value) or param. */
export interface RunOrder {
  field?: RunOrderField;
  metric?: string;
  param?: string;
  direction: SortDirection;
}
