import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';

/**
 * A subscription sent as HTTP POST gets a 400 BAD_REQUEST pointing to the websocket, instead of
 * Apollo Gateway's "Execution of subscriptions not supported" (a 500 INTERNAL to the client).
 */
export function subscriptionsOverWebSocketOnly<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('subscriptions are served over graphql-ws: open a websocket to this URL (protocol graphql-transport-ws)', {
            extensions: { code: ApolloServerErrorCode.BAD_REQUEST, http: { status: 400 } },
          });
        },
      };
    },
  };
}
