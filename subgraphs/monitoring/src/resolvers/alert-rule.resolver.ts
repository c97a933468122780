import { assertModelName, ModelRefType, type ModelRef, type SubgraphServices } from '@modelplane/core';
import { Arg, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Repository } from 'typeorm';
import { AlertRule } from '../entities/alert-rule.entity';

// Defined at import, before type-graphql builds its metadata.
const Model = ModelRefType();

@Resolver(() => Model)
export class AlertRuleResolver {
  private readonly rules: Repository<AlertRule>;

  constructor(services: SubgraphServices) {
    this.rules = services.db.getRepository(AlertRule);
  }

  @Query(() => [AlertRule], { description: 'Alert rules of a model' })
  alertRules(@Arg('model') model: string): Promise<AlertRule[]> {
    return this.rules.find({ where: { modelName: assertModelName(model, 'model') }, order: { createdAt: 'ASC' } });
  }

  @FieldResolver(() => [AlertRule], { name: 'alertRules' })
  modelAlertRules(@Root() model: ModelRef): Promise<AlertRule[]> {
    return this.rules.find({ where: { modelName: model.name }, order: { createdAt: 'ASC' } });
  }
}
