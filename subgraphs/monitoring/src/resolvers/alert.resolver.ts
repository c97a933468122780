import {
  ALERT_CHANGED,
  assertModelName,
  BadUserInputError,
  batchLoader,
  ConflictError,
  NotFoundError,
  OPERATOR,
  type AlertChangedEvent,
  type RequestContext,
  assertUuid,
} from '@modelplane/core';
import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  type SubscribeResolverData,
  Subscription,
  type SubscriptionHandlerData,
} from 'type-graphql';
import { In, type Repository } from 'typeorm';
import { fromAlertEvent, publishAlertChange } from '../alerts/alert-events';
import { AlertKind, AlertRule } from '../entities/alert-rule.entity';
import { Alert, AlertStatus } from '../entities/alert.entity';
import type { MonitoringRuntime } from '../monitoring.runtime';
import { AlertsArgs } from '../types/alerts.args';
import { ModelRef } from '../types/federated.type';

interface AlertSubscriptionArgs {
  model?: string | null;
  kinds?: AlertKind[] | null;
}

/** Runs when a subscription starts: a bad model name is the caller's error, not an empty stream. */
const alertTopic = ({ args }: SubscribeResolverData<unknown, AlertSubscriptionArgs>): string => {
  if (args.model != null) assertModelName(args.model, 'model');
  return ALERT_CHANGED;
};

const forModel = (payload: AlertChangedEvent, model: string | null | undefined) => model == null || payload.model === model;

@Resolver(() => Alert)
export class AlertResolver {
  private readonly repo: Repository<Alert>;
  private readonly services: MonitoringRuntime['services'];
  private readonly loadRule: (id: string) => Promise<AlertRule | null>;

  constructor(private readonly runtime: MonitoringRuntime) {
    const services = (this.services = runtime.services);
    this.repo = services.db.getRepository(Alert);
    const rules = services.db.getRepository(AlertRule);
    this.loadRule = batchLoader(async (ids: string[]) => new Map((await rules.findBy({ id: In(ids) })).map((r) => [r.id, r])));
  }

  @Query(() => [Alert], { description: 'Alerts, newest first' })
  alerts(@Args() args: AlertsArgs): Promise<Alert[]> {
    if (args.first < 1 || args.first > 500) throw new BadUserInputError('first must be between 1 and 500', { argument: 'first' });
    return this.repo.find({
      where: {
        ...(args.model != null && { modelName: assertModelName(args.model, 'model') }),
        ...(args.status != null && { status: args.status }),
        ...(args.kind != null && { kind: args.kind }),
      },
      order: { firedAt: 'DESC' },
      take: args.first,
    });
  }

  @Query(() => Alert, { nullable: true })
  alert(@Arg('id', () => ID) id: string): Promise<Alert | null> {
    return this.repo.findOneBy({ id: assertUuid(id) });
  }

  @Authorized(OPERATOR)
  @Mutation(() => [Alert], {
    description: "Evaluates the model's alert rules now instead of at the next scheduled pass; returns the model's open alerts",
  })
  async evaluateAlertRules(@Arg('model') model: string, @Ctx() ctx: RequestContext): Promise<Alert[]> {
    await this.runtime.registry.model(assertModelName(model, 'model'), ctx.requestId);
    return this.runtime.evaluator.evaluateModel(model);
  }

  @Authorized(OPERATOR)
  @Mutation(() => Alert, { description: 'FIRING → ACKNOWLEDGED; the alert still resolves by itself when its condition clears' })
  async acknowledgeAlert(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Alert> {
    assertUuid(id);
    return this.services.db.transaction(async (em) => {
      const repo = em.getRepository(Alert);
      const alert = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!alert) throw new NotFoundError(`no alert ${id}`, { id });
      if (alert.status === AlertStatus.RESOLVED) throw new ConflictError(`alert ${id} is already resolved`, { id });
      if (alert.status === AlertStatus.ACKNOWLEDGED) return alert;
      alert.status = AlertStatus.ACKNOWLEDGED;
      alert.acknowledgedAt = new Date();
      alert.acknowledgedBy = ctx.identity.subject;
      await repo.save(alert);
      await publishAlertChange(em, alert);
      return alert;
    });
  }

  @Subscription(() => Alert, {
    name: 'alerts',
    description: 'Alerts as they fire, are acknowledged and resolve, on every replica; only those of `model` and `kinds` if given',
    topics: alertTopic,
    filter: ({ payload, args }: SubscriptionHandlerData<AlertChangedEvent, AlertSubscriptionArgs>) =>
      forModel(payload, args.model) && (!args.kinds?.length || args.kinds.includes(payload.kind as AlertKind)),
  })
  alertChanged(
    @Root() payload: AlertChangedEvent,
    @Arg('model', () => String, { nullable: true }) _model: string | null,
    @Arg('kinds', () => [AlertKind], { nullable: true }) _kinds: AlertKind[] | null,
  ): Alert {
    return fromAlertEvent(payload);
  }

  @Subscription(() => Alert, {
    name: 'driftAlerts',
    description: 'DRIFT alerts of a model as they fire, are acknowledged and resolve',
    topics: alertTopic,
    filter: ({ payload, args }: SubscriptionHandlerData<AlertChangedEvent, AlertSubscriptionArgs>) =>
      forModel(payload, args.model) && payload.kind === AlertKind.DRIFT,
  })
  driftAlerts(@Root() payload: AlertChangedEvent, @Arg('model') _model: string): Alert {
    return fromAlertEvent(payload);
  }

  @Subscription(() => Alert, {
    name: 'latencyAlerts',
    description: 'LATENCY alerts of a model as they fire, are acknowledged and resolve',
    topics: alertTopic,
    filter: ({ payload, args }: SubscriptionHandlerData<AlertChangedEvent, AlertSubscriptionArgs>) =>
      forModel(payload, args.model) && payload.kind === AlertKind.LATENCY,
  })
  latencyAlerts(@Root() payload: AlertChangedEvent, @Arg('model') _model: string): Alert {
    return fromAlertEvent(payload);
  }

  @FieldResolver(() => ModelRef, { description: 'The model (resolved by the registry through the gateway)' })
  model(@Root() alert: Alert): ModelRef {
    return { name: alert.modelName };
  }

  @FieldResolver(() => AlertRule, { nullable: true, description: 'The rule that fired (null once deleted)' })
  rule(@Root() alert: Alert): Promise<AlertRule | null> | null {
    return alert.ruleId ? this.loadRule(alert.ruleId) : null;
  }
}
