import { FieldResolver, Resolver, Root } from 'type-graphql';
import { Run } from '../entities/run.entity';
import type { ExperimentsRuntime } from '../experiments.runtime';
import { AlertRef } from '../types/federated.type';

/** Monitoring's `Alert` extended with the retraining it triggered (retrain on drift). */
@Resolver(() => AlertRef)
export class AlertResolver {
  constructor(private readonly runtime: ExperimentsRuntime) {}

  @FieldResolver(() => Run, { nullable: true, description: 'The training run this alert triggered, if any' })
  triggeredRun(@Root() alert: AlertRef): Promise<Run | null> {
    return this.runtime.deps.db.getRepository(Run).findOne({ where: { alertId: String(alert.id) }, order: { createdAt: 'DESC' } });
  }
}
