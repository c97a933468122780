import type { Logger } from '@modelplane/core';
import type { DataSource, EntityManager } from 'typeorm';
import type { ExperimentsClient } from '../clients/experiments-client';
import { Alert, RetrainStatus } from '../entities/alert.entity';

/**
 * Retrain on drift. Claiming happens in the transaction that fires the DRIFT alert (so at most
 * one alert per interval claims the model, whatever the replicas do); the call to the experiments
 * subgraph happens after commit, with the alert id as idempotency key, and is retried on every
 * evaluation pass while the alert is open until experiments accepts it.
 */
export class Retrainer {
  constructor(
    private readonly db: DataSource,
    private readonly experiments: ExperimentsClient,
    private readonly logger: Logger,
  ) {}

  /** Sets the new alert's retrain status from its model's policy (and claims the interval). */
  async claim(em: EntityManager, alert: Alert, now: Date): Promise<void> {
    const [policy] = (await em.query(
      `SELECT on_drift AS "onDrift", min_interval_seconds AS "minIntervalSeconds", last_triggered_at AS "lastTriggeredAt"
       FROM monitoring.retrain_policy WHERE model = $1 FOR UPDATE`,
      [alert.modelName],
    )) as Array<{ onDrift: boolean; minIntervalSeconds: number; lastTriggeredAt: Date | null }>;
    if (!policy?.onDrift) return;
    const last = policy.lastTriggeredAt;
    const next = last ? last.getTime() + policy.minIntervalSeconds * 1000 : 0;
    if (last && now.getTime() < next) {
      alert.retrainStatus = RetrainStatus.SKIPPED;
      alert.retrainError = `retraining was last triggered at ${last.toISOString()}; the policy allows the next one at ${new Date(next).toISOString()}`;
      return;
    }
    alert.retrainStatus = RetrainStatus.PENDING;
    await em.query('UPDATE monitoring.retrain_policy SET last_triggered_at = $2 WHERE model = $1', [alert.modelName, now]);
  }

  /** Calls triggerRetraining for every open alert still due; returns how many were accepted. */
  async process(model?: string): Promise<number> {
    const repo = this.db.getRepository(Alert);
    const due = await repo
      .createQueryBuilder('a')
      .where('a.retrainStatus IN (:...statuses)', { statuses: [RetrainStatus.PENDING, RetrainStatus.FAILED] })
      .andWhere("a.status <> 'RESOLVED'")
      .andWhere(model ? 'a.modelName = :model' : 'TRUE', { model })
      .orderBy('a.firedAt', 'ASC')
      .limit(100)
      .getMany();
    let accepted = 0;
    for (const alert of due) {
      try {
        const run = await this.experiments.triggerRetraining(
          alert.modelName,
          alert.id,
          `drift alert ${alert.id}: ${alert.message}`.slice(0, 2000),
        );
        await repo.update(
          { id: alert.id },
          {
            retrainStatus: RetrainStatus.REQUESTED,
            retrainRunId: run.id,
            retrainError: null,
            retrainAttempts: alert.retrainAttempts + 1,
            retrainRequestedAt: new Date(),
          },
        );
        accepted++;
        this.logger.info({ alert: alert.id, model: alert.modelName, run: run.id }, 'retraining requested for drift');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await repo.update(
          { id: alert.id },
          { retrainStatus: RetrainStatus.FAILED, retrainError: message.slice(0, 2000), retrainAttempts: alert.retrainAttempts + 1 },
        );
        this.logger.warn({ err, alert: alert.id, model: alert.modelName }, 'triggerRetraining failed; retrying on the next pass');
      }
    }
    return accepted;
  }
}
