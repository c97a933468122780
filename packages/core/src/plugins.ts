import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Identity } from './context';
import type { Logger } from './logger';
import { shortOperationName } from './metrics';
import { GraphQLError } from 'graphql';
import { SubgraphUnavailableError } from './errors';

interface LoggingContext extends BaseContext {
  logger: Logger;
  identity?: Identity;
}

export interface LoggingPluginOptions {
  /** Write the access-log line here (default true); the gateway writes its own for every path. */
  accessLog?: boolean;
}

/**
 * One access-log line per operation (name, type, duration, outcome, caller — never variables,
 * which may hold feature values or secrets), and the full error for anything unexpected, which
 * formatError hides from the client.
 */
export function loggingPlugin<T extends LoggingContext>(options: LoggingPluginOptions = {}): ApolloServerPlugin<T> {
  const accessLog = options.accessLog ?? true;
  return {
    async requestDidStart({ contextValue }) {
      const start = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const err of errors) {
            // Errors we or graphql-js raised on purpose carry a code; anything else is a bug.
            const original = err.originalError;
            if (original && !(original instanceof GraphQLError)) {
              contextValue.logger.error({ err: original, path: err.path }, 'unexpected error');
            } else if (original instanceof SubgraphUnavailableError && original.cause !== undefined) {
              // The client saw only which service failed; the log keeps how.
              contextValue.logger.warn({ err: original.cause, path: err.path }, original.message);
            }
          }
        },
        async willSendResponse({ operationName, operation, errors }) {
          if (!accessLog) return;
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          contextValue.logger.info(
            {
              operation: shortOperationName(operationName ?? null),
              type: operation?.operation ?? null,
              ms: Math.round(ms * 100) / 100,
              outcome: errors?.length ? 'error' : 'ok',
              ...(errors?.length && { code: String(errors[0]!.extensions?.code ?? 'INTERNAL') }),
              subject: contextValue.identity?.subject ?? null,
              ...(contextValue.identity?.keyId && { keyId: contextValue.identity.keyId }),
            },
            'graphql',
          );
        },
      };
    },
  };
}
