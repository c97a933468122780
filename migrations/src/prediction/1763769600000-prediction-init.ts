import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PredictionInit1763769600000 implements MigrationInterface {
  name = 'PredictionInit1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS prediction`);
    // Canary routing per model; the serving issue fills it in.
    await q.query(`
      CREATE TABLE prediction.traffic_split (
        model varchar(128) PRIMARY KEY,
        canary_version integer NOT NULL CHECK (canary_version > 0),
        percent double precision NOT NULL CHECK (percent >= 0 AND percent <= 100),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE prediction.traffic_split`);
  }
}
