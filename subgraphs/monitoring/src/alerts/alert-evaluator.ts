import { ConflictError, isUniqueViolation, NotFoundError, type Logger } from '@modelplane/core';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { MonitoringAnalysis } from '../analysis/monitoring-analysis';
import { AlertKind, AlertRule } from '../entities/alert-rule.entity';
import { Alert, AlertStatus, OPEN_STATUSES } from '../entities/alert.entity';
import type { AccuracyStats, DriftReport, LatencyStats } from '../analysis/reports';
import { clipMessage, publishAlertChange } from './alert-events';
import { accuracyCondition, decide, driftCondition, errorRateCondition, latencyCondition, type Action, type Condition } from './conditions';
import type { MonitoringConfig } from '../monitoring.settings';
import type { Retrainer } from './retrainer';

export type PassTrigger = 'SCHEDULED' | 'ON_DEMAND';

export interface PassResult {
  id: string;
  trigger: PassTrigger;
  rules: number;
  fired: number;
  resolved: number;
  durationMs: number;
}

export interface AlertEvaluatorOptions {
  db: DataSource;
  config: MonitoringConfig;
  logger: Logger;
  analysis: MonitoringAnalysis;
  retrainer: Retrainer;
  /** Names this process in the evaluation_pass log. */
  replica: string;
}

const LOCK_KEY = 'modelplane:monitoring:evaluate';
// A scheduled pass is skipped when another replica started one less than this share of an interval ago.
const SCHEDULE_SLACK = 0.8;
const ON_DEMAND_LOCK_WAIT_MS = 60000;

/** Measurements shared by the rules of one pass: each (kind, model, window) is computed once. */
class PassMemo {
  private readonly values = new Map<string, Promise<unknown>>();
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let v = this.values.get(key) as Promise<T> | undefined;
    if (!v) {
      v = compute();
      this.values.set(key, v);
    }
    return v;
  }
}

/**
 * Evaluates alert rules. A pass holds a PostgreSQL advisory lock for its whole duration, so
 * passes never overlap across replicas; a scheduled pass is also skipped when another replica
 * ran one moments ago, so there is one pass per interval however many replicas tick. Each rule
 * is decided in its own transaction that locks the rule row, and an alert change is announced
 * (NOTIFY) in that transaction.
 */
export class AlertEvaluator {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> | undefined;
  private stopped = true;

  constructor(private readonly options: AlertEvaluatorOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.runScheduled()
        .catch((err: unknown) => this.options.logger.error({ err }, 'alert evaluation pass failed'))
        .finally(() => {
          this.inFlight = undefined;
          this.schedule();
        });
    }, this.options.config.MONITORING_EVALUATION_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops scheduling and waits for a pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
  }

  /** One scheduled pass over every enabled rule; null when another replica has it covered. */
  runScheduled(): Promise<PassResult | null> {
    return this.pass('SCHEDULED');
  }

  /** One pass over a model's rules now (waits for a pass in progress); returns its open alerts. */
  async evaluateModel(model: string): Promise<Alert[]> {
    await this.pass('ON_DEMAND', model);
    return this.options.db.getRepository(Alert).find({
      where: { modelName: model, status: In([...OPEN_STATUSES]) },
      order: { firedAt: 'DESC' },
    });
  }

  private async pass(trigger: PassTrigger, model?: string): Promise<PassResult | null> {
    const { db, config, logger } = this.options;
    const runner = db.createQueryRunner();
    await runner.connect();
    let locked = false;
    try {
      if (trigger === 'SCHEDULED') {
        const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [LOCK_KEY])) as Array<{ locked: boolean }>;
        locked = !!row?.locked;
        if (!locked) return null;
        const [recent] = (await runner.query(
          `SELECT 1 FROM monitoring.evaluation_pass
           WHERE trigger = 'SCHEDULED' AND started_at > now() - make_interval(secs => $1::float8) LIMIT 1`,
          [(config.MONITORING_EVALUATION_INTERVAL_MS / 1000) * SCHEDULE_SLACK],
        )) as unknown[];
        if (recent) return null;
      } else {
        const deadline = Date.now() + ON_DEMAND_LOCK_WAIT_MS;
        while (!locked) {
          const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [LOCK_KEY])) as Array<{
            locked: boolean;
          }>;
          locked = !!row?.locked;
          if (!locked) {
            if (Date.now() > deadline) throw new ConflictError('another evaluation pass has held the lock for over a minute; try again');
            await new Promise((r) => setTimeout(r, 25));
          }
        }
      }
      return await this.run(trigger, model);
    } finally {
      if (locked)
        await runner
          .query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY])
          .catch((err: unknown) => logger.warn({ err }, 'unlock failed'));
      await runner.release();
    }
  }

  private async run(trigger: PassTrigger, model?: string): Promise<PassResult> {
    const { db, logger, retrainer, replica } = this.options;
    const started = performance.now();
    const [pass] = (await db.query(
      `INSERT INTO monitoring.evaluation_pass (trigger, model, replica, started_at) VALUES ($1, $2, $3, now()) RETURNING id`,
      [trigger, model ?? null, replica],
    )) as Array<{ id: string }>;
    const rules = await db.getRepository(AlertRule).find({
      where: { enabled: true, ...(model !== undefined && { modelName: model }) },
      order: { createdAt: 'ASC' },
    });
    const memo = new PassMemo();
    let fired = 0;
    let resolved = 0;
    let error: string | null = null;
    try {
      for (const rule of rules) {
        const action = await this.evaluateRule(rule, memo).catch((err: unknown) => {
          logger.error({ err, rule: rule.id, model: rule.modelName }, 'alert rule evaluation failed');
          return 'NONE' as Action;
        });
        if (action === 'FIRE') fired++;
        if (action === 'RESOLVE') resolved++;
      }
      await retrainer.process(model);
      const models = model !== undefined ? [model] : await this.activeModels(rules);
      for (const m of models) await this.recordHealth(m, memo);
      if (trigger === 'SCHEDULED') await this.prune();
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      throw err;
    } finally {
      await db.query(
        'UPDATE monitoring.evaluation_pass SET finished_at = now(), rules = $2, fired = $3, resolved = $4, error = $5 WHERE id = $1',
        [pass!.id, rules.length, fired, resolved, error],
      );
    }
    const durationMs = performance.now() - started;
    if (fired || resolved) logger.info({ trigger, model, rules: rules.length, fired, resolved, durationMs }, 'alert evaluation pass');
    return { id: pass!.id, trigger, rules: rules.length, fired, resolved, durationMs };
  }

  private drift(memo: PassMemo, model: string, windowSeconds: number): Promise<DriftReport> {
    return memo.get(`drift\u0000${model}\u0000${windowSeconds}`, () => this.options.analysis.drift({ model, windowSeconds }));
  }

  private latency(memo: PassMemo, model: string, windowSeconds: number): Promise<LatencyStats> {
    return memo.get(`latency\u0000${model}\u0000${windowSeconds}`, () => this.options.analysis.latency({ model, windowSeconds }));
  }

  private accuracy(memo: PassMemo, model: string, windowSeconds: number): Promise<AccuracyStats> {
    return memo.get(`accuracy\u0000${model}\u0000${windowSeconds}`, () => this.options.analysis.accuracy({ model, windowSeconds }));
  }

  private async measure(rule: AlertRule, memo: PassMemo): Promise<Condition> {
    const { modelName: model, windowSeconds } = rule;
    switch (rule.kind) {
      case AlertKind.DRIFT:
        return driftCondition(rule, await this.drift(memo, model, windowSeconds));
      case AlertKind.LATENCY:
        return latencyCondition(rule, await this.latency(memo, model, windowSeconds));
      case AlertKind.ERROR_RATE:
        return errorRateCondition(rule, await this.latency(memo, model, windowSeconds));
      case AlertKind.ACCURACY:
        return accuracyCondition(rule, await this.accuracy(memo, model, windowSeconds));
    }
  }

  private async evaluateRule(rule: AlertRule, memo: PassMemo): Promise<Action> {
    let condition: Condition;
    try {
      condition = await this.measure(rule, memo);
    } catch (err) {
      // The model is gone from the registry, or the registry is unreachable: no verdict this time.
      if (!(err instanceof NotFoundError)) throw err;
      condition = { state: 'NO_DATA', value: null, version: null, message: err.message };
    }
    const now = new Date();
    try {
      return await this.options.db.transaction((em) => this.apply(em, rule, condition, now));
    } catch (err) {
      // Only a concurrent writer could open a second alert; the index refused it, which is the point.
      if (isUniqueViolation(err)) return 'KEEP';
      throw err;
    }
  }

  private async apply(em: EntityManager, rule: AlertRule, condition: Condition, now: Date): Promise<Action> {
    const [current] = (await em.query(
      'SELECT pending_since AS "pendingSince", enabled FROM monitoring.alert_rule WHERE id = $1 FOR UPDATE',
      [rule.id],
    )) as Array<{ pendingSince: Date | null; enabled: boolean }>;
    if (!current?.enabled) return 'NONE';
    const alerts = em.getRepository(Alert);
    const open = await alerts.findOne({ where: { ruleId: rule.id, status: In([...OPEN_STATUSES]) }, lock: { mode: 'pessimistic_write' } });
    const decision = decide({
      condition: condition.state,
      openStatus: open?.status ?? null,
      pendingSince: current.pendingSince,
      forSeconds: rule.forSeconds,
      now,
    });
    if (decision.action === 'FIRE') {
      const alert = alerts.create({
        ruleId: rule.id,
        modelName: rule.modelName,
        version: condition.version,
        kind: rule.kind,
        severity: rule.severity,
        status: AlertStatus.FIRING,
        threshold: rule.threshold,
        windowSeconds: rule.windowSeconds,
        value: condition.value,
        message: clipMessage(condition.message),
        details: condition.details ?? null,
        firedAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolution: null,
        retrainStatus: null,
        retrainRunId: null,
        retrainError: null,
        retrainAttempts: 0,
        retrainRequestedAt: null,
      });
      if (rule.kind === AlertKind.DRIFT) await this.options.retrainer.claim(em, alert, now);
      await alerts.save(alert);
      await publishAlertChange(em, alert);
    } else if (decision.action === 'RESOLVE' && open) {
      open.status = AlertStatus.RESOLVED;
      open.resolvedAt = now;
      open.resolution = clipMessage(condition.message);
      await alerts.save(open);
      await publishAlertChange(em, open);
    }
    await em.query('UPDATE monitoring.alert_rule SET pending_since = $2, last_evaluated_at = $3, last_value = $4 WHERE id = $1', [
      rule.id,
      decision.pendingSince,
      now,
      condition.value,
    ]);
    return decision.action;
  }

  /** Models whose gauges the pass refreshes: those with rules and those that served in the window. */
  private async activeModels(rules: AlertRule[]): Promise<string[]> {
    const rows = (await this.options.db.query(
      `SELECT model FROM monitoring.observation WHERE created_at >= now() - make_interval(secs => $1::float8) GROUP BY model`,
      [this.options.config.MONITORING_WINDOW_SECONDS],
    )) as Array<{ model: string }>;
    return [...new Set([...rules.map((r) => r.modelName), ...rows.map((r) => r.model)])].sort();
  }

  /** Stores the model's drift and accuracy over the default window for the Prometheus gauges. */
  private async recordHealth(model: string, memo: PassMemo): Promise<void> {
    const windowSeconds = this.options.config.MONITORING_WINDOW_SECONDS;
    try {
      const [drift, accuracy] = await Promise.all([this.drift(memo, model, windowSeconds), this.accuracy(memo, model, windowSeconds)]);
      const features = drift.insufficientData
        ? []
        : drift.features.filter((f) => f.statistic !== null).map((f) => ({ feature: f.feature, method: f.method, statistic: f.statistic }));
      await this.options.db.query(
        `INSERT INTO monitoring.model_health (model, version, drift_share, drift_features, accuracy, computed_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (model) DO UPDATE SET version = EXCLUDED.version, drift_share = EXCLUDED.drift_share,
           drift_features = EXCLUDED.drift_features, accuracy = EXCLUDED.accuracy, computed_at = EXCLUDED.computed_at`,
        [model, drift.version, drift.insufficientData ? null : drift.share, JSON.stringify(features), accuracy.accuracy],
      );
    } catch (err) {
      if (err instanceof NotFoundError) {
        await this.options.db.query('DELETE FROM monitoring.model_health WHERE model = $1', [model]);
        return;
      }
      this.options.logger.warn({ err, model }, 'could not record model health');
    }
  }

  /** Deletes consumed rows older than the retention, a bounded batch per pass. */
  private async prune(): Promise<void> {
    const hours = this.options.config.MONITORING_RETENTION_HOURS;
    await this.options.db.query(
      `DELETE FROM monitoring.observation WHERE id IN (
         SELECT id FROM monitoring.observation WHERE created_at < now() - make_interval(hours => $1) LIMIT 50000)`,
      [hours],
    );
    await this.options.db.query(
      `DELETE FROM monitoring.label WHERE prediction_id IN (
         SELECT prediction_id FROM monitoring.label WHERE created_at < now() - make_interval(hours => $1) LIMIT 50000)`,
      [hours],
    );
    await this.options.db.query(`DELETE FROM monitoring.evaluation_pass WHERE started_at < now() - make_interval(hours => $1)`, [hours]);
  }
}
