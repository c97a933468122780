import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ExperimentsInit1763769600000 implements MigrationInterface {
  name = 'ExperimentsInit1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS experiments`);
    await q.query(`CREATE TYPE experiments.run_status AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')`);
    await q.query(`CREATE TYPE experiments.run_trigger AS ENUM ('MANUAL', 'DRIFT', 'SCHEDULE', 'NEW_DATA', 'EXTERNAL')`);
    await q.query(`
      CREATE TABLE experiments.run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        model varchar(128) NOT NULL,
        status experiments.run_status NOT NULL DEFAULT 'QUEUED',
        trigger experiments.run_trigger NOT NULL DEFAULT 'MANUAL',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX run_model_created_idx ON experiments.run (model, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE experiments.run`);
    await q.query(`DROP TYPE experiments.run_trigger`);
    await q.query(`DROP TYPE experiments.run_status`);
  }
}
