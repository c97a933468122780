import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed predictions (the model could not be run: artifact integrity, registry unreachable, ONNX
 * Runtime error) are logged too, one row per failed call with the error code and no outputs, so
 * monitoring can compute error rates from the same stream. A nullable column: instant.
 */
export class PredictionLogErrors1764460800000 implements MigrationInterface {
  name = 'PredictionLogErrors1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE prediction.prediction_log ADD COLUMN error varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM prediction.prediction_log WHERE error IS NOT NULL`);
    await q.query(`ALTER TABLE prediction.prediction_log DROP COLUMN error`);
  }
}
