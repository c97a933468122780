import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Makes the prediction log and feedback readable as streams by other services (monitoring),
 * without gaps: each row records the 64-bit id of the transaction that wrote it, and readers
 * only take rows of transactions older than every one still running, ordered by (txid, seq).
 * A row with a smaller seq can then never become visible behind a reader's cursor.
 */
export class PredictionLogSequence1763942400000 implements MigrationInterface {
  name = 'PredictionLogSequence1763942400000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['prediction_log', 'feedback']) {
      await q.query(`ALTER TABLE prediction.${table} ADD COLUMN seq bigserial`);
      await q.query(`ALTER TABLE prediction.${table} ADD COLUMN txid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)`);
      await q.query(`CREATE INDEX ${table}_stream_idx ON prediction.${table} (txid, seq)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['prediction_log', 'feedback']) {
      await q.query(`ALTER TABLE prediction.${table} DROP COLUMN txid`);
      await q.query(`ALTER TABLE prediction.${table} DROP COLUMN seq`);
    }
  }
}
