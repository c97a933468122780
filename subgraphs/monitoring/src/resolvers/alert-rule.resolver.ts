import { assertModelName, BadUserInputError, NotFoundError, OPERATOR, type RequestContext, assertUuid } from '@modelplane/core';
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { In, type Repository } from 'typeorm';
import { publishAlertChange } from '../alerts/alert-events';
import { validateRuleSettings } from '../alerts/rule-validation';
import { AlertKind, AlertRule, AlertSeverity } from '../entities/alert-rule.entity';
import { Alert, AlertStatus, OPEN_STATUSES } from '../entities/alert.entity';
import type { MonitoringRuntime } from '../monitoring.runtime';
import { AlertRuleInput, UpdateAlertRuleInput } from '../types/alert-rule.input';
import { ModelRef } from '../types/federated.type';

@Resolver(() => AlertRule)
export class AlertRuleResolver {
  private readonly rules: Repository<AlertRule>;
  private readonly services: MonitoringRuntime['services'];

  constructor(private readonly runtime: MonitoringRuntime) {
    const services = (this.services = runtime.services);
    this.rules = services.db.getRepository(AlertRule);
  }

  @Query(() => [AlertRule], { description: 'Alert rules of a model' })
  alertRules(@Arg('model') model: string): Promise<AlertRule[]> {
    return this.rules.find({ where: { modelName: assertModelName(model, 'model') }, order: { createdAt: 'ASC' } });
  }

  @Query(() => AlertRule, { nullable: true })
  alertRule(@Arg('id', () => ID) id: string): Promise<AlertRule | null> {
    return this.rules.findOneBy({ id: assertUuid(id) });
  }

  @Authorized(OPERATOR)
  @Mutation(() => AlertRule, { description: 'Adds an alert rule to a model; it is evaluated from the next pass on' })
  async createAlertRule(@Arg('input') input: AlertRuleInput, @Ctx() ctx: RequestContext): Promise<AlertRule> {
    assertModelName(input.model, 'input.model');
    const settings = {
      kind: input.kind,
      threshold: input.threshold,
      windowSeconds: input.windowSeconds ?? this.services.config.MONITORING_WINDOW_SECONDS,
      forSeconds: input.forSeconds ?? 0,
    };
    validateRuleSettings(settings);
    const model = await this.runtime.registry.model(input.model, ctx.requestId);
    if (input.kind === AlertKind.ACCURACY && model.task === 'REGRESSION') {
      throw new BadUserInputError(`${input.model} is a regression model: ACCURACY rules need a classifier`, { argument: 'input.kind' });
    }
    const rule = this.rules.create({
      modelName: model.name,
      ...settings,
      severity: input.severity ?? AlertSeverity.WARNING,
      enabled: true,
      pendingSince: null,
      lastEvaluatedAt: null,
      lastValue: null,
      createdBy: ctx.identity.subject,
      updatedAt: new Date(),
    });
    return this.rules.save(rule);
  }

  @Authorized(OPERATOR)
  @Mutation(() => AlertRule, { description: "Changes a rule's threshold, window, severity, `for` or enabled flag" })
  async updateAlertRule(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateAlertRuleInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AlertRule> {
    assertUuid(id);
    return this.services.db.transaction(async (em) => {
      const repo = em.getRepository(AlertRule);
      const rule = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!rule) throw new NotFoundError(`no alert rule ${id}`, { id });
      const next = {
        kind: rule.kind,
        threshold: input.threshold ?? rule.threshold,
        windowSeconds: input.windowSeconds ?? rule.windowSeconds,
        forSeconds: input.forSeconds ?? rule.forSeconds,
      };
      validateRuleSettings(next);
      Object.assign(rule, next, {
        severity: input.severity ?? rule.severity,
        enabled: input.enabled ?? rule.enabled,
        // A changed condition starts its `for` wait afresh.
        pendingSince: null,
        updatedAt: new Date(),
      });
      ctx.logger.info({ rule: id, model: rule.modelName }, 'alert rule updated');
      return repo.save(rule);
    });
  }

  @Authorized(OPERATOR)
  @Mutation(() => ID, { description: 'Deletes a rule; its open alert, if any, is resolved' })
  async deleteAlertRule(@Arg('id', () => ID) id: string): Promise<string> {
    assertUuid(id);
    return this.services.db.transaction(async (em) => {
      const repo = em.getRepository(AlertRule);
      const rule = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!rule) throw new NotFoundError(`no alert rule ${id}`, { id });
      const alerts = em.getRepository(Alert);
      const open = await alerts.findOne({ where: { ruleId: id, status: In([...OPEN_STATUSES]) }, lock: { mode: 'pessimistic_write' } });
      if (open) {
        open.status = AlertStatus.RESOLVED;
        open.resolvedAt = new Date();
        open.resolution = 'its rule was deleted';
        await alerts.save(open);
        await publishAlertChange(em, open);
      }
      await repo.delete({ id });
      return id;
    });
  }

  @FieldResolver(() => ModelRef, { description: 'The model the rule watches' })
  model(@Root() rule: AlertRule): ModelRef {
    return { name: rule.modelName };
  }
}
