import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A compact prediction log: a row's features as a float8[] in the model's feature order (a
 * category as its index) plus the id of a shared layout naming them, and probabilities as a
 * float8[], written with COPY. Far cheaper to write than a jsonb document per row. Rows written
 * before keep their jsonb `features`/`probabilities` and stay readable: readers take whichever
 * form a row has. Adding nullable columns rewrites nothing, so this is instant on a large log.
 */
export class PredictionLogCompact1764374400000 implements MigrationInterface {
  name = 'PredictionLogCompact1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE prediction.feature_layout (
        id serial PRIMARY KEY,
        spec text NOT NULL UNIQUE,
        features jsonb NOT NULL
      )`);
    await q.query(`ALTER TABLE prediction.prediction_log ALTER COLUMN features DROP NOT NULL`);
    await q.query(`ALTER TABLE prediction.prediction_log ADD COLUMN feature_layout integer`);
    await q.query(`ALTER TABLE prediction.prediction_log ADD COLUMN feature_values float8[]`);
    await q.query(`ALTER TABLE prediction.prediction_log ADD COLUMN class_probabilities float8[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to one jsonb document per row, so nothing logged is lost by reverting.
    await q.query(`
      UPDATE prediction.prediction_log p SET
        features = (
          SELECT jsonb_object_agg(e.f->>'name',
            CASE WHEN e.f ? 'categories' THEN (e.f->'categories')->(p.feature_values[e.i]::int) ELSE to_jsonb(p.feature_values[e.i]) END)
          FROM prediction.feature_layout l, jsonb_array_elements(l.features) WITH ORDINALITY AS e(f, i)
          WHERE l.id = p.feature_layout),
        probabilities = to_jsonb(p.class_probabilities)
      WHERE p.features IS NULL`);
    await q.query(`ALTER TABLE prediction.prediction_log DROP COLUMN class_probabilities`);
    await q.query(`ALTER TABLE prediction.prediction_log DROP COLUMN feature_values`);
    await q.query(`ALTER TABLE prediction.prediction_log DROP COLUMN feature_layout`);
    await q.query(`ALTER TABLE prediction.prediction_log ALTER COLUMN features SET NOT NULL`);
    await q.query(`DROP TABLE prediction.feature_layout`);
  }
}
