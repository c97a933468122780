import type { NonEmptyArray } from 'type-graphql';
import { ApiKeyResolver } from './api-key.resolver';
import { ModelAliasResolver } from './model-alias.resolver';
import { ModelEventResolver } from './model-event.resolver';
import { ModelVersionResolver } from './model-version.resolver';
import { ModelResolver } from './model.resolver';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const registryResolvers: NonEmptyArray<Function> = [
  ModelResolver,
  ModelVersionResolver,
  ModelAliasResolver,
  ModelEventResolver,
  ApiKeyResolver,
];
