import { BadUserInputError } from '@modelplane/core';
import { Arg, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Repository } from 'typeorm';
import { validateWindow } from '../alerts/rule-validation';
import { AlertRule } from '../entities/alert-rule.entity';
import { Alert, AlertStatus } from '../entities/alert.entity';
import { RetrainPolicy } from '../entities/retrain-policy.entity';
import { ModelHealth } from '../types/model-health.type';
import type { MonitoringRuntime } from '../monitoring.runtime';
import { ModelRef } from '../types/federated.type';

/** Monitoring's fields on the registry's Model. */
@Resolver(() => ModelRef)
export class ModelMonitoringResolver {
  private readonly rules: Repository<AlertRule>;
  private readonly alerts: Repository<Alert>;
  private readonly policies: Repository<RetrainPolicy>;

  private readonly services: MonitoringRuntime['services'];

  constructor(runtime: MonitoringRuntime) {
    const services = (this.services = runtime.services);
    this.rules = services.db.getRepository(AlertRule);
    this.alerts = services.db.getRepository(Alert);
    this.policies = services.db.getRepository(RetrainPolicy);
  }

  @FieldResolver(() => [AlertRule], { name: 'alertRules' })
  modelAlertRules(@Root() model: ModelRef): Promise<AlertRule[]> {
    return this.rules.find({ where: { modelName: model.name }, order: { createdAt: 'ASC' } });
  }

  @FieldResolver(() => [Alert], { name: 'alerts', description: "The model's alerts, newest first" })
  modelAlerts(
    @Root() model: ModelRef,
    @Arg('status', () => AlertStatus, { nullable: true }) status: AlertStatus | null,
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
  ): Promise<Alert[]> {
    if (first < 1 || first > 500) throw new BadUserInputError('first must be between 1 and 500', { argument: 'first' });
    return this.alerts.find({
      where: { modelName: model.name, ...(status != null && { status }) },
      order: { firedAt: 'DESC' },
      take: first,
    });
  }

  @FieldResolver(() => ModelHealth, { description: 'Drift of the production version, latency and accuracy over one window' })
  health(
    @Root() model: ModelRef,
    @Arg('windowSeconds', () => Int, { nullable: true, description: 'Default MONITORING_WINDOW_SECONDS' }) windowSeconds: number | null,
  ): Partial<ModelHealth> {
    return {
      model: model.name,
      windowSeconds: windowSeconds == null ? this.services.config.MONITORING_WINDOW_SECONDS : validateWindow(windowSeconds),
    };
  }

  @FieldResolver(() => RetrainPolicy, { nullable: true, name: 'retrainPolicy' })
  modelRetrainPolicy(@Root() model: ModelRef): Promise<RetrainPolicy | null> {
    return this.policies.findOneBy({ model: model.name });
  }
}
