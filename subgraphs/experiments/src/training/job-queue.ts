import type { Logger } from '@modelplane/core';
import PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';
import type { ExperimentsConfig } from '../experiments.settings';

export const TRAINING_QUEUE = 'modelplane-training';

export interface TrainingJobData {
  runId: string;
}

export type TrainingJob = PgBoss.JobWithMetadata<TrainingJobData>;

/** TypeORM's query() answers UPDATE/DELETE with [rows, count] and everything else with rows. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** PostgreSQL's SQLSTATE for a deadlock: the server aborted one of the transactions. */
const DEADLOCK = '40P01';

/**
 * Creates the training queue, or brings its options up to date. The experiments subgraph and every
 * worker do this at start, often at the same moment (compose, Kubernetes): pg-boss's create_queue
 * then deadlocks with another's on a fresh database, and PostgreSQL aborts one of them. The loser
 * tries again (by then the queue usually exists), a few times with a short random pause.
 */
export async function ensureTrainingQueue(boss: PgBoss, config: ExperimentsConfig, logger: Logger, attempts = 8): Promise<void> {
  const options = {
    name: TRAINING_QUEUE,
    policy: 'standard' as const,
    retryLimit: config.TRAINING_RETRY_LIMIT,
    retryDelay: 1,
    expireInSeconds: config.TRAINING_JOB_TIMEOUT_SECONDS,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await boss.createQueue(TRAINING_QUEUE, options);
      await boss.updateQueue(TRAINING_QUEUE, options);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== DEADLOCK || attempt >= attempts) throw err;
      logger.info({ attempt }, 'training queue creation deadlocked with another process; retrying');
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100 * attempt));
    }
  }
}

/**
 * The durable training queue: pg-boss in its own `pgboss` schema of the same database. A job's id
 * is its run's id, so enqueueing a run twice is a no-op, and a job is enqueued inside the
 * transaction that creates its run (no run without a job, no job without a run).
 */
export class TrainingQueue {
  readonly boss: PgBoss;
  private started = false;

  constructor(
    url: string,
    private readonly config: ExperimentsConfig,
    private readonly logger: Logger,
    options: { supervise: boolean; role: string },
  ) {
    this.boss = new PgBoss({
      connectionString: url,
      schema: 'pgboss',
      application_name: `modelplane-${options.role}`,
      max: 3,
      supervise: options.supervise,
      // Expired jobs (the backstop for dead workers) are noticed within a quarter of the timeout.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.TRAINING_JOB_TIMEOUT_SECONDS / 4))),
      schedule: false,
    });
    this.boss.on('error', (err) => this.logger.warn({ err }, 'training queue error'));
  }

  async start(): Promise<void> {
    await this.boss.start();
    await ensureTrainingQueue(this.boss, this.config, this.logger);
    this.started = true;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Adds the run's job inside `em`'s transaction. */
  async enqueue(em: EntityManager, runId: string): Promise<void> {
    const db = { executeSql: async (text: string, values: unknown[]) => ({ rows: rowsOf<unknown>(await em.query(text, values)) }) };
    await this.boss.send(TRAINING_QUEUE, { runId } satisfies TrainingJobData, {
      id: runId,
      db,
      retryLimit: this.config.TRAINING_RETRY_LIMIT,
      retryDelay: 1,
      expireInSeconds: this.config.TRAINING_JOB_TIMEOUT_SECONDS,
    });
  }

  async cancel(runId: string): Promise<void> {
    await this.boss.cancel(TRAINING_QUEUE, runId);
  }

  /** Fails the job's current attempt; pg-boss retries it if it has retries left. */
  async fail(runId: string, message: string): Promise<void> {
    await this.boss.fail(TRAINING_QUEUE, runId, { message });
  }

  async job(runId: string): Promise<TrainingJob | null> {
    return this.boss.getJobById<TrainingJobData>(TRAINING_QUEUE, runId);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: Math.max(1000, this.config.SHUTDOWN_TIMEOUT_MS) }).catch((err: unknown) => {
      this.logger.warn({ err }, 'training queue did not stop cleanly');
    });
  }
}
