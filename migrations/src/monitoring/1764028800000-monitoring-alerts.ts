import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monitoring proper: the consumed prediction log and feedback (with the stream cursors), drift
 * baselines, alerts with their lifecycle, retrain policies, the health snapshot behind the
 * Prometheus gauges and a record of evaluation passes.
 */
export class MonitoringAlerts1764028800000 implements MigrationInterface {
  name = 'MonitoringAlerts1764028800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE monitoring.alert_rule
        ADD COLUMN for_seconds integer NOT NULL DEFAULT 0 CHECK (for_seconds >= 0),
        ADD COLUMN enabled boolean NOT NULL DEFAULT true,
        ADD COLUMN pending_since timestamptz,
        ADD COLUMN last_evaluated_at timestamptz,
        ADD COLUMN last_value double precision,
        ADD COLUMN created_by varchar(200) NOT NULL DEFAULT 'anonymous',
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);

    await q.query(`CREATE TYPE monitoring.alert_status AS ENUM ('FIRING', 'ACKNOWLEDGED', 'RESOLVED')`);
    await q.query(`
      CREATE TABLE monitoring.alert (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id uuid REFERENCES monitoring.alert_rule (id) ON DELETE SET NULL,
        model varchar(128) NOT NULL,
        version integer,
        kind monitoring.alert_kind NOT NULL,
        severity monitoring.alert_severity NOT NULL,
        status monitoring.alert_status NOT NULL DEFAULT 'FIRING',
        threshold double precision NOT NULL,
        window_seconds integer NOT NULL,
        value double precision,
        message text NOT NULL,
        details jsonb,
        fired_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        acknowledged_by varchar(200),
        resolved_at timestamptz,
        resolution text,
        retrain_status varchar(16),
        retrain_run_id varchar(64),
        retrain_error text,
        retrain_attempts integer NOT NULL DEFAULT 0,
        retrain_requested_at timestamptz
      )`);
    // One open alert per rule: a second FIRING row for the same rule cannot be committed.
    await q.query(`CREATE UNIQUE INDEX alert_one_open_per_rule ON monitoring.alert (rule_id) WHERE status <> 'RESOLVED'`);
    await q.query(`CREATE INDEX alert_model_fired_idx ON monitoring.alert (model, fired_at DESC)`);
    await q.query(`CREATE INDEX alert_fired_idx ON monitoring.alert (fired_at DESC)`);
    await q.query(`CREATE INDEX alert_retrain_due_idx ON monitoring.alert (model) WHERE retrain_status IN ('PENDING', 'FAILED')`);

    await q.query(`
      CREATE TABLE monitoring.stream_cursor (
        stream varchar(32) PRIMARY KEY,
        position varchar(64) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE monitoring.observation (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        model varchar(128) NOT NULL,
        version integer NOT NULL,
        route varchar(16) NOT NULL,
        features jsonb,
        label text,
        score double precision,
        latency_ms double precision,
        error varchar(64),
        created_at timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX observation_model_version_seq_idx ON monitoring.observation (model, version, seq)`);
    await q.query(`CREATE INDEX observation_model_seq_idx ON monitoring.observation (model, seq)`);
    await q.query(`CREATE INDEX observation_created_idx ON monitoring.observation (created_at)`);
    await q.query(`
      CREATE TABLE monitoring.label (
        prediction_id uuid PRIMARY KEY,
        model varchar(128) NOT NULL,
        actual text NOT NULL,
        created_at timestamptz NOT NULL,
        ingested_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX label_created_idx ON monitoring.label (created_at)`);

    await q.query(`
      CREATE TABLE monitoring.baseline (
        model varchar(128) NOT NULL,
        version integer NOT NULL,
        row_count integer NOT NULL,
        last_seq bigint NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model, version)
      )`);
    await q.query(`
      CREATE TABLE monitoring.retrain_policy (
        model varchar(128) PRIMARY KEY,
        on_drift boolean NOT NULL,
        min_interval_seconds integer NOT NULL CHECK (min_interval_seconds >= 0),
        last_triggered_at timestamptz,
        updated_by varchar(200) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE monitoring.model_health (
        model varchar(128) PRIMARY KEY,
        version integer,
        drift_share double precision,
        drift_features jsonb NOT NULL DEFAULT '[]',
        accuracy double precision,
        computed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE monitoring.evaluation_pass (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        trigger varchar(16) NOT NULL,
        model varchar(128),
        replica varchar(200) NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        rules integer NOT NULL DEFAULT 0,
        fired integer NOT NULL DEFAULT 0,
        resolved integer NOT NULL DEFAULT 0,
        error text
      )`);
    await q.query(`CREATE INDEX evaluation_pass_started_idx ON monitoring.evaluation_pass (trigger, started_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE monitoring.evaluation_pass`);
    await q.query(`DROP TABLE monitoring.model_health`);
    await q.query(`DROP TABLE monitoring.retrain_policy`);
    await q.query(`DROP TABLE monitoring.baseline`);
    await q.query(`DROP TABLE monitoring.label`);
    await q.query(`DROP TABLE monitoring.observation`);
    await q.query(`DROP TABLE monitoring.stream_cursor`);
    await q.query(`DROP TABLE monitoring.alert`);
    await q.query(`DROP TYPE monitoring.alert_status`);
    await q.query(`
      ALTER TABLE monitoring.alert_rule
        DROP COLUMN for_seconds, DROP COLUMN enabled, DROP COLUMN pending_since, DROP COLUMN last_evaluated_at,
        DROP COLUMN last_value, DROP COLUMN created_by, DROP COLUMN updated_at`);
  }
}
