import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracking as MLflow does it (experiments, runs with params, metric histories, tags and logs),
 * dataset versions, training-job bookkeeping on the run (attempt, heartbeat) and the reference
 * profile stored with every version a run registers.
 */
export class ExperimentsTracking1764115200000 implements MigrationInterface {
  name = 'ExperimentsTracking1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiments.experiment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        model varchar(128) NOT NULL UNIQUE,
        description text,
        dataset_name varchar(128),
        trainer varchar(32) NOT NULL DEFAULT 'logistic-regression',
        default_params jsonb NOT NULL DEFAULT '{}',
        auto_promote boolean NOT NULL DEFAULT true,
        min_improvement double precision NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE experiments.dataset_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(128) NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        digest char(64) NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
        feature_names jsonb NOT NULL,
        labels jsonb,
        row_count integer NOT NULL CHECK (row_count > 0),
        source text,
        split jsonb NOT NULL,
        parent_id uuid REFERENCES experiments.dataset_version(id),
        rows jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (name, version),
        UNIQUE (name, digest)
      )`);
    await q.query(`
      ALTER TABLE experiments.run
        ADD COLUMN experiment_id uuid REFERENCES experiments.experiment(id),
        ADD COLUMN reason text,
        ADD COLUMN params jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN tags jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN latest_metrics jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN seed integer,
        ADD COLUMN code_version varchar(64),
        ADD COLUMN dataset_version_id uuid REFERENCES experiments.dataset_version(id),
        ADD COLUMN progress double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
        ADD COLUMN started_at timestamptz,
        ADD COLUMN finished_at timestamptz,
        ADD COLUMN produced_version_id uuid,
        ADD COLUMN produced_version integer,
        ADD COLUMN idempotency_key varchar(200),
        ADD COLUMN alert_id varchar(64),
        ADD COLUMN managed boolean NOT NULL DEFAULT false,
        ADD COLUMN request jsonb,
        ADD COLUMN attempt integer NOT NULL DEFAULT 0,
        ADD COLUMN heartbeat_at timestamptz,
        ADD COLUMN error text,
        ADD COLUMN promotion jsonb,
        ADD COLUMN created_by varchar(200) NOT NULL DEFAULT 'anonymous',
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`CREATE UNIQUE INDEX run_idempotency_idx ON experiments.run (model, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await q.query(`CREATE INDEX run_alert_idx ON experiments.run (alert_id) WHERE alert_id IS NOT NULL`);
    await q.query(`CREATE INDEX run_produced_version_idx ON experiments.run (produced_version_id) WHERE produced_version_id IS NOT NULL`);
    // The heartbeat sweep looks only at managed runs in flight.
    await q.query(`CREATE INDEX run_heartbeat_idx ON experiments.run (heartbeat_at) WHERE status = 'RUNNING' AND managed`);
    await q.query(`
      CREATE TABLE experiments.run_metric (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES experiments.run(id) ON DELETE CASCADE,
        key varchar(250) NOT NULL,
        value double precision NOT NULL,
        step bigint NOT NULL DEFAULT 0,
        timestamp timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX run_metric_run_key_idx ON experiments.run_metric (run_id, key, step, id)`);
    await q.query(`
      CREATE TABLE experiments.run_log (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES experiments.run(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        level varchar(8) NOT NULL DEFAULT 'info',
        message text NOT NULL
      )`);
    await q.query(`CREATE INDEX run_log_run_idx ON experiments.run_log (run_id, id)`);
    await q.query(`
      CREATE TABLE experiments.reference_profile (
        model varchar(128) NOT NULL,
        version integer NOT NULL,
        version_id uuid NOT NULL,
        run_id uuid NOT NULL REFERENCES experiments.run(id),
        dataset_version_id uuid REFERENCES experiments.dataset_version(id),
        profile jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE experiments.reference_profile`);
    await q.query(`DROP TABLE experiments.run_log`);
    await q.query(`DROP TABLE experiments.run_metric`);
    await q.query(`DROP INDEX experiments.run_heartbeat_idx`);
    await q.query(`DROP INDEX experiments.run_produced_version_idx`);
    await q.query(`DROP INDEX experiments.run_alert_idx`);
    await q.query(`DROP INDEX experiments.run_idempotency_idx`);
    await q.query(`
      ALTER TABLE experiments.run
        DROP COLUMN experiment_id, DROP COLUMN reason, DROP COLUMN params, DROP COLUMN tags, DROP COLUMN latest_metrics,
        DROP COLUMN seed, DROP COLUMN code_version, DROP COLUMN dataset_version_id, DROP COLUMN progress,
        DROP COLUMN started_at, DROP COLUMN finished_at, DROP COLUMN produced_version_id, DROP COLUMN produced_version,
        DROP COLUMN idempotency_key, DROP COLUMN alert_id, DROP COLUMN managed, DROP COLUMN request, DROP COLUMN attempt,
        DROP COLUMN heartbeat_at, DROP COLUMN error, DROP COLUMN promotion, DROP COLUMN created_by, DROP COLUMN updated_at`);
    await q.query(`DROP TABLE experiments.dataset_version`);
    await q.query(`DROP TABLE experiments.experiment`);
  }
}
