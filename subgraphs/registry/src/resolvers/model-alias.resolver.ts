import { OPERATOR } from '@modelplane/core';
import type { RequestContext, SubgraphServices } from '@modelplane/core';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { ModelAlias } from '../entities/model-alias.entity';
import { ModelVersion } from '../entities/model-version.entity';
import type { ModelRegistry } from '../model-registry';
import type { RegistryRuntime } from '../registry.runtime';
import { Rollback } from '../types/rollback.result';

@Resolver(() => ModelAlias)
export class ModelAliasResolver {
  private readonly registry: ModelRegistry;

  private readonly services: SubgraphServices;

  constructor(runtime: RegistryRuntime) {
    this.services = runtime.services;
    this.registry = runtime.registry;
  }

  @Authorized(OPERATOR)
  @Mutation(() => ModelAlias, {
    description: 'Points an alias at a version, atomically; moving `production` promotes that version',
  })
  setModelAlias(
    @Arg('model') model: string,
    @Arg('alias') alias: string,
    @Arg('version', () => Int) version: number,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ModelAlias> {
    return this.registry.setAlias(model, alias, version, ctx.identity.subject, reason ?? null);
  }

  @Authorized(OPERATOR)
  @Mutation(() => Boolean)
  deleteModelAlias(@Arg('model') model: string, @Arg('alias') alias: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return this.registry.deleteAlias(model, alias, ctx.identity.subject);
  }

  @Authorized(OPERATOR)
  @Mutation(() => Rollback, {
    description: 'Moves `production` back to the version it served before (or to toVersion), recording why',
  })
  rollbackModel(
    @Arg('model') model: string,
    @Arg('toVersion', () => Int, { nullable: true }) toVersion: number | null,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<Rollback> {
    return this.registry.rollback(model, toVersion ?? null, reason ?? null, ctx.identity.subject);
  }

  @FieldResolver(() => ModelVersion)
  version(@Root() alias: ModelAlias): Promise<ModelVersion> {
    return this.services.db.getRepository(ModelVersion).findOneByOrFail({ modelName: alias.modelName, version: alias.versionNumber });
  }
}
