import type { Logger } from '@modelplane/core';
import type { DataSource } from 'typeorm';
import { Run, RunStatus } from '../entities/run.entity';
import { publishRunUpdate, RunStore } from '../tracking-store';
import { TRAINING_QUEUE, rowsOf, type TrainingJob, type TrainingQueue } from './job-queue';
import { PermanentRunError, RunExecutor, RunLostError, type ExecutorDeps } from './run-executor';
import { TrainingAbortedError } from './training-executor';
import type { ExperimentsConfig } from '../experiments.settings';

export interface WorkerDeps extends ExecutorDeps {
  queue: TrainingQueue;
}

interface ActiveRun {
  run: Run;
  attempt: number;
  controller: AbortController;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Claims training jobs from the queue (pg-boss: exactly one worker gets each job) and runs them.
 * Liveness is the run's heartbeat, written while the attempt runs; any worker's sweep hands a
 * run whose heartbeat stopped (its worker was killed) back to the queue, fencing the old
 * attempt out first. The queue's own expiration is the last-resort backstop.
 */
export class TrainingWorker {
  private readonly executor: RunExecutor;
  private readonly store: RunStore;
  private readonly active = new Map<string, ActiveRun>();
  private readonly workerIds: string[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly heartbeatMs: number;

  constructor(private readonly deps: WorkerDeps) {
    this.executor = new RunExecutor(deps);
    this.store = new RunStore(deps.db);
    this.heartbeatMs = Math.max(200, Math.min(5000, (deps.config.TRAINING_HEARTBEAT_TIMEOUT_SECONDS * 1000) / 3));
  }

  private get db(): DataSource {
    return this.deps.db;
  }

  private get config(): ExperimentsConfig {
    return this.deps.config;
  }

  private get logger(): Logger {
    return this.deps.logger;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.config.TRAINING_CONCURRENCY; i++) {
      const id = await this.deps.queue.boss.work<{ runId: string }>(
        TRAINING_QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 1 },
        async ([job]) => {
          if (job) await this.handle(job);
        },
      );
      this.workerIds.push(id);
    }
    const sweepMs = Math.max(500, Math.min(15000, (this.config.TRAINING_HEARTBEAT_TIMEOUT_SECONDS * 1000) / 2));
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.warn({ err }, 'training heartbeat sweep failed'));
    }, sweepMs);
    this.sweepTimer.unref();
    this.logger.info({ concurrency: this.config.TRAINING_CONCURRENCY }, 'training worker started');
  }

  /** Wakes idle workers now instead of at their next poll (a job was just enqueued in this process). */
  notify(): void {
    for (const id of this.workerIds) this.deps.queue.boss.notifyWorker(id);
  }

  get busy(): number {
    return this.active.size;
  }

  private async handle(job: TrainingJob): Promise<void> {
    const { runId } = job.data;
    if (this.stopping) throw new Error('worker is stopping');
    const claimed = await this.executor.claim(runId);
    if (!claimed) {
      this.logger.info({ runId }, 'training job for a run that is no longer runnable; skipping');
      return;
    }
    const controller = new AbortController();
    const entry: ActiveRun = { run: claimed.run, attempt: claimed.attempt, controller };
    this.active.set(runId, entry);
    const abort = (reason: string) => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    let beating = false;
    const heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      this.executor
        .heartbeat({ ...claimed, abort })
        .catch((err: unknown) => this.logger.warn({ err, runId }, 'heartbeat failed'))
        .finally(() => (beating = false));
    }, this.heartbeatMs);
    const log = this.logger.child({ runId, model: claimed.run.modelName, attempt: claimed.attempt });
    log.info({ trigger: claimed.run.trigger }, 'training run started');
    try {
      await this.executor.execute(claimed, controller.signal, abort);
      log.info('training run succeeded');
    } catch (err) {
      await this.onFailure(job, entry, err, log);
    } finally {
      clearInterval(heartbeat);
      this.active.delete(runId);
    }
  }

  private async onFailure(job: TrainingJob, entry: ActiveRun, err: unknown, log: Logger): Promise<void> {
    const runId = entry.run.id;
    if (err instanceof RunLostError || (err instanceof TrainingAbortedError && !this.stopping)) {
      log.info({ reason: describe(err) }, 'training run stopped: cancelled or handed to another worker');
      return;
    }
    if (this.stopping) {
      // Shutting down: hand the run straight back so another worker (or our restart) retries it.
      await this.requeue(entry, 'the worker shut down mid-run; retrying').catch(() => undefined);
      throw new Error('worker stopped mid-run');
    }
    const permanent = err instanceof PermanentRunError;
    const retriesLeft = job.retryCount < job.retryLimit;
    if (!permanent && retriesLeft) {
      log.warn({ err }, 'training attempt failed; the job will be retried');
      await this.requeue(entry, `attempt ${entry.attempt} failed: ${describe(err)}; retrying`).catch(() => undefined);
      throw err;
    }
    log.error({ err }, 'training run failed');
    await this.markFailed(runId, entry.attempt, describe(err)).catch((e: unknown) => log.error({ err: e }, 'could not record the failure'));
  }

  private async requeue(entry: ActiveRun, message: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const rows = rowsOf<{ id: string }>(
        await em.query(
          `UPDATE experiments.run SET status = 'QUEUED', heartbeat_at = NULL, updated_at = now()
           WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' RETURNING id`,
          [entry.run.id, entry.attempt],
        ),
      );
      if (!rows.length) return;
      await this.store.appendLog(em, entry.run.id, message, 'warn');
      await publishRunUpdate((sql, p) => em.query(sql, p), await em.getRepository(Run).findOneByOrFail({ id: entry.run.id }));
    });
  }

  private async markFailed(runId: string, attempt: number | null, message: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const rows = rowsOf<{ id: string }>(
        await em.query(
          `UPDATE experiments.run SET status = 'FAILED', error = $3, finished_at = now(), heartbeat_at = NULL, updated_at = now()
           WHERE id = $1 AND ($2::int IS NULL OR attempt = $2) AND status IN ('QUEUED', 'RUNNING') RETURNING id`,
          [runId, attempt, message.slice(0, 10000)],
        ),
      );
      if (!rows.length) return;
      await this.store.appendLog(em, runId, `failed: ${message}`, 'error');
      await publishRunUpdate((sql, p) => em.query(sql, p), await em.getRepository(Run).findOneByOrFail({ id: runId }));
    });
  }

  /**
   * Hands runs whose worker stopped heartbeating back to the queue. The UPDATE bumps the attempt,
   * so a worker that was only slow, not dead, can no longer write to the run; only one sweeper
   * wins the UPDATE, so the job is failed (→ retried by pg-boss) once.
   */
  async sweep(): Promise<number> {
    const stale = rowsOf<{ id: string; attempt: number }>(
      await this.db.query(
        // SKIP LOCKED: a worker holding its run's row (registering a version) is alive by definition;
        // a killed one's connection, and with it the lock, is gone.
        `UPDATE experiments.run SET status = 'QUEUED', attempt = attempt + 1, heartbeat_at = NULL, updated_at = now()
         WHERE id IN (SELECT id FROM experiments.run WHERE status = 'RUNNING' AND managed AND heartbeat_at < now() - make_interval(secs => $1)
                      FOR UPDATE SKIP LOCKED)
         RETURNING id, attempt`,
        [this.config.TRAINING_HEARTBEAT_TIMEOUT_SECONDS],
      ),
    );
    for (const { id, attempt } of stale) {
      const job = await this.deps.queue.job(id);
      const message = `worker stopped reporting for ${this.config.TRAINING_HEARTBEAT_TIMEOUT_SECONDS} s`;
      if (job && (job.state === 'created' || job.state === 'retry')) {
        await this.note(id, `${message}; the job is already queued again`);
      } else if (job?.state === 'active' && job.retryCount < job.retryLimit) {
        await this.deps.queue.fail(id, message);
        await this.note(id, `${message}; retrying (attempt ${attempt + 1})`);
      } else {
        if (job?.state === 'active') await this.deps.queue.fail(id, message);
        await this.markFailed(id, null, `${message} and the job has no retries left`);
      }
      this.logger.warn({ runId: id }, 'training run lost its worker; handed back to the queue');
    }
    return stale.length;
  }

  private async note(runId: string, message: string): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.store.appendLog(em, runId, message, 'warn');
      await publishRunUpdate((sql, p) => em.query(sql, p), await em.getRepository(Run).findOneByOrFail({ id: runId }));
    });
  }

  /** Stops claiming, aborts runs in flight (they go back to the queue for a retry) and waits for the handlers. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const id of this.workerIds) await this.deps.queue.boss.offWork({ id }).catch(() => undefined);
    for (const entry of this.active.values()) entry.controller.abort('the worker is shutting down');
    const deadline = Date.now() + Math.max(1000, this.config.SHUTDOWN_TIMEOUT_MS);
    while (this.active.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
}

export { RunStatus };
