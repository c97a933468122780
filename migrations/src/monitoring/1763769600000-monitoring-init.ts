import type { MigrationInterface, QueryRunner } from 'typeorm';

export class MonitoringInit1763769600000 implements MigrationInterface {
  name = 'MonitoringInit1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS monitoring`);
    await q.query(`CREATE TYPE monitoring.alert_kind AS ENUM ('DRIFT', 'LATENCY', 'ACCURACY', 'ERROR_RATE')`);
    await q.query(`CREATE TYPE monitoring.alert_severity AS ENUM ('WARNING', 'CRITICAL')`);
    await q.query(`
      CREATE TABLE monitoring.alert_rule (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        model varchar(128) NOT NULL,
        kind monitoring.alert_kind NOT NULL,
        threshold double precision NOT NULL,
        window_seconds integer NOT NULL DEFAULT 3600 CHECK (window_seconds > 0),
        severity monitoring.alert_severity NOT NULL DEFAULT 'WARNING',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alert_rule_model_idx ON monitoring.alert_rule (model)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE monitoring.alert_rule`);
    await q.query(`DROP TYPE monitoring.alert_severity`);
    await q.query(`DROP TYPE monitoring.alert_kind`);
  }
}
