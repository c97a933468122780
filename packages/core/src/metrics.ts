import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Operation names longer than this are not label values (they count as OTHER_OPERATION). */
export const MAX_OPERATION_LABEL_LENGTH = 64;
/** Distinct client-chosen operation names kept as label values per process (beyond the known ones). */
export const MAX_OPERATION_LABELS = 100;
export const OTHER_OPERATION = '(other)';

/**
 * Bounded operation-name label values: clients choose operation names, and each new label value
 * is a new series held for the life of the process. Known names (the trusted-documents manifest)
 * always keep their label; other names get one while fewer than `maxOthers` distinct ones have
 * been seen; names beyond that, longer than MAX_OPERATION_LABEL_LENGTH or with characters
 * GraphQL names do not have share OTHER_OPERATION.
 */
export class OperationLabels {
  private readonly known: ReadonlySet<string>;
  private readonly seen = new Set<string>();

  constructor(
    known: Iterable<string> = [],
    private readonly maxOthers = MAX_OPERATION_LABELS,
  ) {
    this.known = new Set(known);
  }

  label(name: string): string {
    if (this.known.has(name) || this.seen.has(name)) return name;
    if (name.length > MAX_OPERATION_LABEL_LENGTH || !/^[\w()\-.:]*$/.test(name) || this.seen.size >= this.maxOthers) return OTHER_OPERATION;
    this.seen.add(name);
    return name;
  }
}

/** An operation name cut for a log line or message (at most MAX_OPERATION_LABEL_LENGTH characters and an ellipsis). */
export function shortOperationName<T extends string | null | undefined>(name: T): T {
  return (
    typeof name === 'string' && name.length > MAX_OPERATION_LABEL_LENGTH ? `${name.slice(0, MAX_OPERATION_LABEL_LENGTH)}…` : name
  ) as T;
}

export interface MetricsOptions {
  /** Operation names that always keep their own label (the trusted-documents manifest's). */
  knownOperations?: Iterable<string>;
}

/**
 * One Prometheus registry per process. Services add their own metrics to `registry`. Operation
 * metrics are recorded through observeOperation / countError, which bound their label values.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly operations: OperationLabels;
  private readonly operationDuration: Histogram<'operation' | 'type' | 'outcome'>;
  private readonly operationErrors: Counter<'operation' | 'code'>;

  constructor(
    readonly service: string,
    options: MetricsOptions = {},
  ) {
    this.operations = new OperationLabels(options.knownOperations);
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.operationDuration = new Histogram({
      name: 'modelplane_graphql_operation_duration_seconds',
      help: 'GraphQL operations by operation name (bounded: see OperationLabels) and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.operationErrors = new Counter({
      name: 'modelplane_graphql_errors_total',
      help: 'GraphQL errors by operation name (bounded) and error code',
      labelNames: ['operation', 'code'],
      registers: [this.registry],
    });
  }

  /** One operation's duration; `type` is query, mutation, subscription or unknown. */
  observeOperation(operation: string, type: string, outcome: 'ok' | 'error', seconds: number): void {
    this.operationDuration.observe({ operation: this.operations.label(operation), type, outcome }, seconds);
  }

  /** One error of an operation (or of a pseudo-operation such as `(refused)`). */
  countError(operation: string, code: string): void {
    this.operationErrors.inc({ operation: this.operations.label(operation), code });
  }

  /** Apollo plugin recording every operation's duration and outcome. */
  plugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => {
        const start = process.hrtime.bigint();
        return {
          willSendResponse: async ({ operationName, operation, errors, response }) => {
            const seconds = Number(process.hrtime.bigint() - start) / 1e9;
            // Anonymous operations and unparsable requests share one label each.
            const name = operationName ?? (operation ? '(anonymous)' : '(invalid)');
            const type = operation?.operation ?? 'unknown';
            const body = response.body;
            const singleErrors = body.kind === 'single' ? body.singleResult.errors : undefined;
            const all = errors ?? singleErrors ?? [];
            this.observeOperation(name, type, all.length ? 'error' : 'ok', seconds);
            for (const e of all) this.countError(name, String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL'));
          },
        };
      },
    };
  }
}
