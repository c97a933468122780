import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PredictionServing1763856000000 implements MigrationInterface {
  name = 'PredictionServing1763856000000';

  async up(q: QueryRunner): Promise<void> {
    // Routing per model: an optional canary share and an optional shadow version.
    await q.query(`ALTER TABLE prediction.traffic_split ALTER COLUMN canary_version DROP NOT NULL`);
    await q.query(`ALTER TABLE prediction.traffic_split ADD COLUMN shadow_version integer CHECK (shadow_version > 0)`);
    await q.query(`ALTER TABLE prediction.traffic_split ADD COLUMN updated_by varchar(200)`);
    await q.query(`
      CREATE TABLE prediction.prediction_log (
        id uuid PRIMARY KEY,
        model varchar(128) NOT NULL,
        version integer NOT NULL,
        route varchar(16) NOT NULL,
        alias varchar(64),
        shadow_of uuid,
        features jsonb NOT NULL,
        label text,
        score double precision,
        probabilities jsonb,
        latency_ms double precision NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX prediction_log_model_time_idx ON prediction.prediction_log (model, created_at)`);
    await q.query(`
      CREATE TABLE prediction.feedback (
        prediction_id uuid PRIMARY KEY,
        model varchar(128) NOT NULL,
        actual text NOT NULL,
        created_by varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX feedback_model_time_idx ON prediction.feedback (model, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE prediction.feedback`);
    await q.query(`DROP TABLE prediction.prediction_log`);
    await q.query(`DELETE FROM prediction.traffic_split WHERE canary_version IS NULL`);
    await q.query(`ALTER TABLE prediction.traffic_split DROP COLUMN updated_by`);
    await q.query(`ALTER TABLE prediction.traffic_split DROP COLUMN shadow_version`);
    await q.query(`ALTER TABLE prediction.traffic_split ALTER COLUMN canary_version SET NOT NULL`);
  }
}
