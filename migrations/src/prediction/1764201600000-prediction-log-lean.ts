import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The (model, created_at) index served nothing once monitoring read the log as a stream (by
 * txid, seq): dropping it makes every logged prediction cheaper to insert.
 */
export class PredictionLogLean1764201600000 implements MigrationInterface {
  name = 'PredictionLogLean1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS prediction.prediction_log_model_time_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX prediction_log_model_time_idx ON prediction.prediction_log (model, created_at)`);
  }
}
