import { BadUserInputError } from '@modelplane/core';
import { ComparisonOperator, RunOrderField, SortDirection, type RunFilter, type RunOrder } from './run-query';

/** Bind parameters of one SQL statement: `add(value)` returns its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const MAX_DEPTH = 6;
const MAX_CONDITIONS = 100;
const NUMBER_PATTERN = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
// The same test inside PostgreSQL, so a numeric comparison never casts a non-number.
const SQL_NUMBER_PATTERN = `'^\\s*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'`;

const SQL_OPERATORS: Record<ComparisonOperator, string> = {
  [ComparisonOperator.EQ]: '=',
  [ComparisonOperator.NEQ]: '<>',
  [ComparisonOperator.GT]: '>',
  [ComparisonOperator.GTE]: '>=',
  [ComparisonOperator.LT]: '<',
  [ComparisonOperator.LTE]: '<=',
};

function checkKey(key: string, what: string): string {
  if (key.length < 1 || key.length > 250) throw new BadUserInputError(`${what} key must be 1-250 characters`, { argument: 'filter' });
  return key;
}

/**
 * The WHERE clause for a run filter on table alias `r`. Every value is a bind parameter; keys
 * are parameters too (`params ->> $n`), so nothing from the client is spliced into SQL.
 */
export function runFilterSql(filter: RunFilter | undefined | null, params: SqlParams): string {
  let conditions = 0;
  const build = (f: RunFilter, depth: number): string => {
    if (depth > MAX_DEPTH) throw new BadUserInputError(`filters nest at most ${MAX_DEPTH} deep`, { argument: 'filter' });
    const count = () => {
      if (++conditions > MAX_CONDITIONS)
        throw new BadUserInputError(`a filter has at most ${MAX_CONDITIONS} conditions`, { argument: 'filter' });
    };
    const parts: string[] = [];
    if (f.status) {
      count();
      parts.push(`r.status::text = ANY(${params.add(f.status)}::text[])`);
    }
    if (f.trigger) {
      count();
      parts.push(`r.trigger::text = ANY(${params.add(f.trigger)}::text[])`);
    }
    for (const c of f.params ?? []) {
      count();
      const value = `(r.params ->> ${params.add(checkKey(c.key, 'param'))})`;
      if (c.op === ComparisonOperator.EQ || c.op === ComparisonOperator.NEQ) {
        parts.push(`${value} ${SQL_OPERATORS[c.op]} ${params.add(c.value)}`);
      } else {
        if (!NUMBER_PATTERN.test(c.value)) {
          throw new BadUserInputError(`param ${c.key}: ${c.op} compares numbers, got ${JSON.stringify(c.value)}`, { argument: 'filter' });
        }
        parts.push(
          `(CASE WHEN ${value} ~ ${SQL_NUMBER_PATTERN} THEN ${value}::double precision END) ${SQL_OPERATORS[c.op]} ${params.add(Number(c.value))}::double precision`,
        );
      }
    }
    for (const c of f.metrics ?? []) {
      count();
      if (!Number.isFinite(c.value)) throw new BadUserInputError(`metric ${c.key}: value must be a finite number`, { argument: 'filter' });
      parts.push(
        `((r.latest_metrics -> ${params.add(checkKey(c.key, 'metric'))} ->> 'value')::double precision) ${SQL_OPERATORS[c.op]} ${params.add(c.value)}::double precision`,
      );
    }
    for (const t of f.tags ?? []) {
      count();
      parts.push(`(r.tags ->> ${params.add(checkKey(t.key, 'tag'))}) = ${params.add(t.value)}`);
    }
    if (f.createdAfter) {
      count();
      parts.push(`r.created_at > ${params.add(f.createdAfter)}::timestamptz`);
    }
    if (f.createdBefore) {
      count();
      parts.push(`r.created_at < ${params.add(f.createdBefore)}::timestamptz`);
    }
    for (const sub of f.and ?? []) parts.push(`(${build(sub, depth + 1)})`);
    if (f.or) {
      if (!f.or.length) throw new BadUserInputError('`or` needs at least one filter', { argument: 'filter' });
      parts.push(`(${f.or.map((sub) => `(${build(sub, depth + 1)})`).join(' OR ')})`);
    }
    if (f.not) parts.push(`NOT COALESCE((${build(f.not, depth + 1)}), false)`);
    return parts.length ? parts.join(' AND ') : 'TRUE';
  };
  return filter ? build(filter, 1) : 'TRUE';
}

const ORDER_COLUMNS: Record<RunOrderField, string> = {
  [RunOrderField.CREATED_AT]: 'r.created_at',
  [RunOrderField.STARTED_AT]: 'r.started_at',
  [RunOrderField.FINISHED_AT]: 'r.finished_at',
  [RunOrderField.DURATION]: '(r.finished_at - r.started_at)',
  [RunOrderField.STATUS]: 'r.status::text',
};

/** ORDER BY for the requested sort keys; ties (and no keys) fall back to newest first. */
export function runOrderSql(orderBy: RunOrder[] | undefined | null, params: SqlParams): string {
  if ((orderBy?.length ?? 0) > 10) throw new BadUserInputError('at most 10 sort keys', { argument: 'orderBy' });
  const keys = (orderBy ?? []).map((o) => {
    const given = [o.field, o.metric, o.param].filter((x) => x !== undefined && x !== null);
    if (given.length !== 1)
      throw new BadUserInputError('each sort key needs exactly one of field, metric or param', { argument: 'orderBy' });
    const direction = o.direction === SortDirection.ASC ? 'ASC' : 'DESC';
    let expression: string;
    if (o.field) expression = ORDER_COLUMNS[o.field];
    else if (o.metric) expression = `((r.latest_metrics -> ${params.add(checkKey(o.metric, 'metric'))} ->> 'value')::double precision)`;
    else expression = `(r.params ->> ${params.add(checkKey(o.param!, 'param'))})`;
    return `${expression} ${direction} NULLS LAST`;
  });
  return [...keys, 'r.created_at DESC', 'r.id ASC'].join(', ');
}
