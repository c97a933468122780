import { createLogger, loadConfig, withSettings } from '@modelplane/core';
import PgBoss from 'pg-boss';
import { createTestDatabase, type TestDatabase } from '../../../../tests/support/database';
import { experimentsSettings } from '../experiments.settings';
import { TRAINING_QUEUE, ensureTrainingQueue } from './job-queue';

const logger = createLogger('test', 'silent');
const config = withSettings(loadConfig({ NODE_ENV: 'test' }), experimentsSettings);

describe('training queue creation (PostgreSQL)', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  // Compose and Kubernetes start the experiments subgraph and its workers at the same moment on an
  // empty database; each creates the queue, and pg-boss's create_queue deadlocks with another's
  // (the image smoke test saw a worker exit with "deadlock detected").
  it('succeeds in every process when the subgraph and several workers create it at once on a fresh database', async () => {
    for (let round = 0; round < 3; round++) {
      const db = await createTestDatabase('job_queue');
      databases.push(db);
      const bosses = Array.from(
        { length: 6 },
        () => new PgBoss({ connectionString: db.url, schema: 'pgboss', max: 3, supervise: false, schedule: false }),
      );
      try {
        for (const boss of bosses) await boss.start();
        const results = await Promise.allSettled(bosses.map((boss) => ensureTrainingQueue(boss, config, logger)));
        expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'created'))).toEqual(bosses.map(() => 'created'));
        const queue = await bosses[0]!.getQueue(TRAINING_QUEUE);
        expect([queue?.name, queue?.expireInSeconds]).toEqual([TRAINING_QUEUE, config.TRAINING_JOB_TIMEOUT_SECONDS]);
      } finally {
        await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, wait: true })));
      }
    }
  });
});
