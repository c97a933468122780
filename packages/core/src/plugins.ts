import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from './logger';
import { GraphQLError } from 'graphql';

interface LoggingContext extends BaseContext {
  logger: Logger;
}

/**
 * One access-log line per operation (name, type, duration, outcome), and the full error for
 * anything unexpected, which formatError hides from the client.
 */
export function loggingPlugin<T extends LoggingContext>(): ApolloServerPlugin<T> {
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
            }
          }
        },
        async willSendResponse({ operationName, operation, errors }) {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          contextValue.logger.info(
            {
              operation: operationName ?? null,
              type: operation?.operation ?? null,
              ms: Math.round(ms * 100) / 100,
              outcome: errors?.length ? 'error' : 'ok',
            },
            'graphql',
          );
        },
      };
    },
  };
}
