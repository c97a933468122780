import { ADMIN, type RequestContext } from '@modelplane/core';
import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ApiKeyStore } from '../api-key-store';
import { ApiKey, ApiKeyRole, CreatedApiKey } from '../entities/api-key.entity';
import type { RegistryRuntime } from '../registry.runtime';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  private readonly keys: ApiKeyStore;

  constructor(runtime: RegistryRuntime) {
    this.keys = runtime.apiKeys;
  }

  @Authorized(ADMIN)
  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included, oldest first (admin)' })
  apiKeys(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  @Authorized(ADMIN)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key with a role (admin); the key is in this answer only' })
  async createApiKey(
    @Arg('name', { description: 'What the key is for (shown in listings)' }) name: string,
    @Arg('role', () => ApiKeyRole) role: ApiKeyRole,
    @Ctx() ctx: RequestContext,
  ): Promise<CreatedApiKey> {
    return this.keys.create(name, role, ctx.identity.subject);
  }

  @Authorized(ADMIN)
  @Mutation(() => ApiKey, { description: 'Revokes an API key (admin): every gateway refuses it within AUTH_CACHE_SECONDS' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ApiKey> {
    return this.keys.revoke(id, ctx.identity.subject);
  }
}
