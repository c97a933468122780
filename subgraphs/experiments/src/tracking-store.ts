import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  PgPubSub,
  RUN_UPDATED,
  assertModelName,
  isUniqueViolation,
  type RunUpdatedEvent,
  isUuid,
} from '@modelplane/core';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { Experiment } from './entities/experiment.entity';
import { RunLog } from './entities/run-log.entity';
import { FINISHED_STATUSES, Run, RunStatus, RunTrigger, type TrainingRequest } from './entities/run.entity';
import { runFilterSql, runOrderSql, SqlParams } from './run-filters';
import type { RunFilter, RunOrder } from './run-query';

export interface NewRun {
  model: string;
  trigger: RunTrigger;
  status: RunStatus;
  managed: boolean;
  reason?: string | null;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  seed?: number | null;
  codeVersion?: string | null;
  datasetVersionId?: string | null;
  idempotencyKey?: string | null;
  alertId?: string | null;
  request?: TrainingRequest | null;
  createdBy: string;
}

export interface MetricValue {
  key: string;
  value: number;
  step?: number;
  timestamp?: Date;
}

export interface ExperimentDefaults {
  minImprovement: number;
  datasetName?: string | null;
}

const MAX_METRICS_PER_CALL = 10000;
const MAX_PARAMS_PER_CALL = 1000;

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Announces a run's change to `runUpdated` subscribers on every replica, when `em`'s transaction commits. */
export async function publishRunUpdate(query: Query, run: Pick<Run, 'id' | 'modelName' | 'status' | 'progress'>): Promise<void> {
  const event: RunUpdatedEvent = { id: run.id, model: run.modelName, status: run.status, progress: run.progress };
  await PgPubSub.publishWithin((sql, params) => query(sql, params), RUN_UPDATED, event, run.id);
}

/**
 * Runs, params, metric histories, tags and logs: the tracking half of the experiments subgraph
 * (the MLflow tracking API). Writes that change what a subscriber sees announce it in the same
 * transaction, so an event never describes a change that rolled back.
 */
export class RunStore {
  constructor(private readonly db: DataSource) {}

  get manager(): EntityManager {
    return this.db.manager;
  }

  async ensureExperiment(model: string, defaults: ExperimentDefaults, em: EntityManager = this.db.manager): Promise<Experiment> {
    assertModelName(model, 'model');
    await em.query(
      `INSERT INTO experiments.experiment (model, min_improvement, dataset_name) VALUES ($1, $2, $3) ON CONFLICT (model) DO NOTHING`,
      [model, defaults.minImprovement, defaults.datasetName ?? null],
    );
    return em.getRepository(Experiment).findOneByOrFail({ modelName: model });
  }

  async experiment(model: string): Promise<Experiment | null> {
    return this.db.getRepository(Experiment).findOneBy({ modelName: model });
  }

  /**
   * Inserts a run. With an idempotency key, a second call with the same (model, key) returns
   * the first run and `created: false`, whatever else it asks for.
   */
  async createRun(input: NewRun, defaults: ExperimentDefaults, em: EntityManager): Promise<{ run: Run; created: boolean }> {
    const experiment = await this.ensureExperiment(input.model, defaults, em);
    const values = [
      input.model,
      experiment.id,
      input.status,
      input.trigger,
      input.reason ?? null,
      input.params ?? {},
      input.tags ?? {},
      input.seed ?? null,
      input.codeVersion ?? null,
      input.datasetVersionId ?? null,
      input.idempotencyKey ?? null,
      input.alertId ?? null,
      input.managed,
      input.request ?? null,
      input.createdBy,
      input.status === RunStatus.RUNNING ? new Date() : null,
    ];
    const rows = (await em.query(
      `INSERT INTO experiments.run (model, experiment_id, status, trigger, reason, params, tags, seed, code_version, dataset_version_id,
         idempotency_key, alert_id, managed, request, created_by, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (model, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      values,
    )) as Array<{ id: string }>;
    if (rows.length) {
      const run = await em.getRepository(Run).findOneByOrFail({ id: rows[0]!.id });
      await publishRunUpdate((sql, p) => em.query(sql, p), run);
      return { run, created: true };
    }
    const existing = await em.getRepository(Run).findOneByOrFail({ modelName: input.model, idempotencyKey: input.idempotencyKey! });
    return { run: existing, created: false };
  }

  async find(id: string): Promise<Run | null> {
    if (!isUuid(id)) return null;
    return this.db.getRepository(Run).findOneBy({ id });
  }

  async require(id: string, argument = 'id'): Promise<Run> {
    const run = await this.find(id);
    if (!run) throw new NotFoundError(`run ${id} does not exist`, { argument, runId: id });
    return run;
  }

  async findMany(ids: string[]): Promise<Run[]> {
    const valid = ids.filter((id) => isUuid(id));
    return valid.length ? this.db.getRepository(Run).findBy({ id: In(valid) }) : [];
  }

  /** Locks the run row for the rest of `em`'s transaction; refuses runs a training job owns unless allowed. */
  private async lockForTracking(em: EntityManager, runId: string, allowFinished = true): Promise<Run> {
    if (!isUuid(runId)) throw new NotFoundError(`run ${runId} does not exist`, { argument: 'runId', runId });
    const run = await em.getRepository(Run).findOne({ where: { id: runId }, lock: { mode: 'pessimistic_write' } });
    if (!run) throw new NotFoundError(`run ${runId} does not exist`, { argument: 'runId', runId });
    if (run.managed) {
      throw new ConflictError(`run ${runId} is executed by a training job; only external runs (startRun) take logged values`, { runId });
    }
    if (!allowFinished && FINISHED_STATUSES.includes(run.status)) {
      throw new ConflictError(`run ${runId} is already ${run.status}`, { runId, status: run.status });
    }
    return run;
  }

  /** MLflow semantics: a param is immutable once logged; logging the same value again is a no-op. */
  async logParams(runId: string, params: Array<{ key: string; value: string }>, em?: EntityManager): Promise<Run> {
    if (params.length > MAX_PARAMS_PER_CALL)
      throw new BadUserInputError(`at most ${MAX_PARAMS_PER_CALL} params per call`, { argument: 'params' });
    const work = async (tx: EntityManager) => {
      const run = em ? await tx.getRepository(Run).findOneByOrFail({ id: runId }) : await this.lockForTracking(tx, runId);
      const merged = { ...run.params };
      const seen = new Map<string, string>();
      for (const { key, value } of params) {
        const previous = seen.get(key) ?? merged[key];
        if (previous !== undefined && previous !== value) {
          throw new ConflictError(`param ${key} of run ${runId} is already ${JSON.stringify(previous)}; params cannot change`, {
            runId,
            key,
          });
        }
        seen.set(key, value);
        merged[key] = value;
      }
      await tx.query(`UPDATE experiments.run SET params = $2, updated_at = now() WHERE id = $1`, [runId, merged]);
      return { ...run, params: merged };
    };
    return em ? work(em) : this.db.transaction(work);
  }

  /** Batched: one INSERT for every value, then the latest value per key is recomputed for filters and sorting. */
  async logMetrics(runId: string, metrics: MetricValue[], em?: EntityManager): Promise<Run> {
    if (!metrics.length) throw new BadUserInputError('no metrics to log', { argument: 'metrics' });
    if (metrics.length > MAX_METRICS_PER_CALL) {
      throw new BadUserInputError(`at most ${MAX_METRICS_PER_CALL} metric values per call`, { argument: 'metrics' });
    }
    for (const m of metrics) {
      if (m.key.length < 1 || m.key.length > 250) throw new BadUserInputError('metric keys are 1-250 characters', { argument: 'metrics' });
      if (!Number.isFinite(m.value)) throw new BadUserInputError(`metric ${m.key} must be a finite number`, { argument: 'metrics' });
      if (m.step !== undefined && (!Number.isInteger(m.step) || m.step < 0)) {
        throw new BadUserInputError(`metric ${m.key}: step must be a non-negative integer`, { argument: 'metrics' });
      }
    }
    const work = async (tx: EntityManager) => {
      if (!em) await this.lockForTracking(tx, runId);
      const now = new Date();
      await tx.query(
        `INSERT INTO experiments.run_metric (run_id, key, value, step, timestamp)
         SELECT $1, * FROM unnest($2::varchar[], $3::double precision[], $4::bigint[], $5::timestamptz[])`,
        [
          runId,
          metrics.map((m) => m.key),
          metrics.map((m) => m.value),
          metrics.map((m) => m.step ?? 0),
          metrics.map((m) => m.timestamp ?? now),
        ],
      );
      await tx.query(
        `UPDATE experiments.run SET updated_at = now(), latest_metrics = latest_metrics || COALESCE((
           SELECT jsonb_object_agg(key, jsonb_build_object('value', value, 'step', step, 'timestamp', timestamp))
           FROM (SELECT DISTINCT ON (key) key, value, step, timestamp FROM experiments.run_metric
                 WHERE run_id = $1 AND key = ANY($2::varchar[]) ORDER BY key, step DESC, timestamp DESC, id DESC) latest
         ), '{}'::jsonb) WHERE id = $1`,
        [runId, [...new Set(metrics.map((m) => m.key))]],
      );
      const run = await tx.getRepository(Run).findOneByOrFail({ id: runId });
      await publishRunUpdate((sql, p) => tx.query(sql, p), run);
      return run;
    };
    return em ? work(em) : this.db.transaction(work);
  }

  async setTags(runId: string, tags: Array<{ key: string; value: string }>): Promise<Run> {
    return this.db.transaction(async (tx) => {
      const run = await tx.getRepository(Run).findOne({ where: { id: runId }, lock: { mode: 'pessimistic_write' } });
      if (!run) throw new NotFoundError(`run ${runId} does not exist`, { argument: 'runId', runId });
      const merged = { ...run.tags, ...Object.fromEntries(tags.map((t) => [t.key, t.value])) };
      await tx.query(`UPDATE experiments.run SET tags = $2, updated_at = now() WHERE id = $1`, [runId, merged]);
      return { ...run, tags: merged };
    });
  }

  /** Ends an external run (MLflow's set_terminated). */
  async finishExternal(runId: string, status: RunStatus, error: string | null): Promise<Run> {
    if (!FINISHED_STATUSES.includes(status)) {
      throw new BadUserInputError(`a run finishes as SUCCEEDED, FAILED or CANCELLED, not ${status}`, { argument: 'status' });
    }
    return this.db.transaction(async (tx) => {
      await this.lockForTracking(tx, runId, false);
      await tx.query(
        `UPDATE experiments.run SET status = $2::text::experiments.run_status, error = $3, finished_at = now(), updated_at = now(),
           progress = CASE WHEN $2::text = 'SUCCEEDED' THEN 1 ELSE progress END WHERE id = $1`,
        [runId, status, error],
      );
      const run = await tx.getRepository(Run).findOneByOrFail({ id: runId });
      await publishRunUpdate((sql, p) => tx.query(sql, p), run);
      return run;
    });
  }

  /**
   * Cancels a queued or running run. Too late once the run has registered its version: the
   * version exists, so the run ends as what it is rather than as "cancelled".
   */
  async cancel(runId: string, reason: string | null): Promise<{ run: Run; changed: boolean }> {
    return this.db.transaction(async (tx) => {
      if (!isUuid(runId)) throw new NotFoundError(`run ${runId} does not exist`, { argument: 'id', runId });
      const run = await tx.getRepository(Run).findOne({ where: { id: runId }, lock: { mode: 'pessimistic_write' } });
      if (!run) throw new NotFoundError(`run ${runId} does not exist`, { argument: 'id', runId });
      if (run.status === RunStatus.CANCELLED) return { run, changed: false };
      if (FINISHED_STATUSES.includes(run.status)) {
        throw new ConflictError(`run ${runId} already finished (${run.status})`, { runId, status: run.status });
      }
      if (run.producedVersion !== null) {
        throw new ConflictError(`run ${runId} already registered version ${run.producedVersion}; too late to cancel`, { runId });
      }
      await tx.query(`UPDATE experiments.run SET status = 'CANCELLED', finished_at = now(), updated_at = now(), error = $2 WHERE id = $1`, [
        runId,
        reason ? `cancelled: ${reason}` : 'cancelled',
      ]);
      await this.appendLog(tx, runId, reason ? `cancelled: ${reason}` : 'cancelled', 'warn');
      const updated = await tx.getRepository(Run).findOneByOrFail({ id: runId });
      await publishRunUpdate((sql, p) => tx.query(sql, p), updated);
      return { run: updated, changed: true };
    });
  }

  async appendLog(em: EntityManager, runId: string, message: string, level: 'info' | 'warn' | 'error' = 'info'): Promise<void> {
    await em.query(`INSERT INTO experiments.run_log (run_id, level, message) VALUES ($1, $2, $3)`, [runId, level, message.slice(0, 10000)]);
  }

  async logs(runId: string, last: number): Promise<RunLog[]> {
    const rows = await this.db.getRepository(RunLog).find({ where: { runId }, order: { id: 'DESC' }, take: last });
    return rows.reverse();
  }

  async metricHistory(runId: string, key: string): Promise<Array<{ key: string; value: number; step: number; timestamp: Date }>> {
    const rows = (await this.db.query(
      `SELECT key, value, step, timestamp FROM experiments.run_metric WHERE run_id = $1 AND key = $2 ORDER BY step, timestamp, id`,
      [runId, key],
    )) as Array<{ key: string; value: number; step: string; timestamp: Date }>;
    return rows.map((r) => ({ ...r, step: Number(r.step) }));
  }

  /** Runs of a model through a filter and sort; `after` is the id of the last run of the previous page. */
  async search(options: {
    model: string;
    filter?: RunFilter | null;
    orderBy?: RunOrder[] | null;
    first: number;
    after?: string | null;
  }): Promise<Run[]> {
    assertModelName(options.model, 'model');
    if (!Number.isInteger(options.first) || options.first < 1 || options.first > 500) {
      throw new BadUserInputError('first must be between 1 and 500', { argument: 'first' });
    }
    if (options.after && !isUuid(options.after)) {
      throw new BadUserInputError('after must be the id of a run from the previous page', { argument: 'after' });
    }
    const params = new SqlParams();
    const model = params.add(options.model);
    const where = runFilterSql(options.filter, params);
    const order = runOrderSql(options.orderBy, params);
    const after = params.add(options.after ?? null);
    const first = params.add(options.first);
    const rows = (await this.db.query(
      `WITH ordered AS (
         SELECT r.id, row_number() OVER (ORDER BY ${order}) AS rn FROM experiments.run r WHERE r.model = ${model} AND (${where})
       )
       SELECT o.id, a.rn AS after_rn FROM (SELECT 1) one
         LEFT JOIN ordered a ON a.id = ${after}::uuid
         LEFT JOIN ordered o ON o.rn > COALESCE(a.rn, 0)
       ORDER BY o.rn LIMIT ${first}`,
      params.values,
    )) as Array<{ id: string | null; after_rn: string | null }>;
    if (options.after && rows[0]?.after_rn == null) {
      throw new BadUserInputError(`run ${options.after} is not among the runs this filter returns`, { argument: 'after' });
    }
    const ids = rows.map((r) => r.id).filter((id): id is string => id !== null);
    const byId = new Map((await this.findMany(ids)).map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is Run => r !== undefined);
  }

  /** Whether an insert failed on the idempotency index (a concurrent duplicate). */
  static isDuplicate(err: unknown): boolean {
    return isUniqueViolation(err);
  }
}
