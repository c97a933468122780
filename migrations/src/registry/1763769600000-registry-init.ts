import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RegistryInit1763769600000 implements MigrationInterface {
  name = 'RegistryInit1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS registry`);
    await q.query(`CREATE TYPE registry.model_task AS ENUM ('BINARY_CLASSIFICATION', 'MULTICLASS_CLASSIFICATION', 'REGRESSION')`);
    await q.query(`
      CREATE TABLE registry.model (
        name varchar(128) PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._-]{1,128}$'),
        task registry.model_task NOT NULL,
        features jsonb NOT NULL,
        labels jsonb,
        description text,
        created_by varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry.model`);
    await q.query(`DROP TYPE registry.model_task`);
  }
}
