import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process. Services add their own metrics to `registry`.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly operationDuration: Histogram<'operation' | 'type' | 'outcome'>;
  readonly operationErrors: Counter<'operation' | 'code'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.operationDuration = new Histogram({
      name: 'modelplane_graphql_operation_duration_seconds',
      help: 'GraphQL operations by operation name and outcome',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.operationErrors = new Counter({
      name: 'modelplane_graphql_errors_total',
      help: 'GraphQL errors by operation name and error code',
      labelNames: ['operation', 'code'],
      registers: [this.registry],
    });
  }

  /** Apollo plugin recording every operation's duration and outcome. */
  plugin(): ApolloServerPlugin {
    const { operationDuration, operationErrors } = this;
    return {
      async requestDidStart() {
        const start = process.hrtime.bigint();
        return {
          async willSendResponse({ operationName, operation, errors, response }) {
            const seconds = Number(process.hrtime.bigint() - start) / 1e9;
            // Bounded label values: anonymous operations and unparsable requests share one label.
            const name = operationName ?? (operation ? '(anonymous)' : '(invalid)');
            const type = operation?.operation ?? 'unknown';
            const body = response.body;
            const singleErrors = body.kind === 'single' ? body.singleResult.errors : undefined;
            const all = errors ?? singleErrors ?? [];
            operationDuration.observe({ operation: name, type, outcome: all.length ? 'error' : 'ok' }, seconds);
            for (const e of all) {
              const code = String((e as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL');
              operationErrors.inc({ operation: name, code });
            }
          },
        };
      },
    };
  }
}
