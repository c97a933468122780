// @modelplane/client: typed documents generated from schema/operations/ (npm run codegen) and a
// small client that runs them over HTTP (queries, mutations) and graphql-ws (subscriptions).
export { createClient, websocketUrl } from './client';
export type { ClientOptions, ModelplaneClient, SubscribeArgs, SubscribeOptions, VariablesArgs } from './client';
export { CLIENT_ERROR_CODES, ModelplaneClientError } from './errors';
export type { ModelplaneClientErrorOptions } from './errors';
export type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
export * from './generated/graphql';
