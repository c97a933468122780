import { Client } from 'pg';
import { startServedPlatform, type ServedPlatform } from '../support/models';
import { gql, type Platform } from '../support/processes';
import { until } from '../support/wait';

/** The prediction log keeps PREDICTION_LOG_RETENTION_DAYS of rows and feedback, and no less. */
const MODEL = 'kept';
const PREDICT = `query { predict(model: "${MODEL}", features: { a: 1, b: 2 }) { id } }`;
const FEEDBACK = 'mutation($id: ID!) { recordFeedback(predictionId: $id, actual: "1") { actual } }';

describe('prediction log retention', () => {
  let platform: Platform;
  let sql: Client;
  let served: ServedPlatform;

  beforeAll(async () => {
    served = await startServedPlatform('e2e_log_retention', MODEL, {
      PREDICTION_LOG_FLUSH_MS: '50',
      PREDICTION_LOG_RETENTION_DAYS: '7',
      PREDICTION_LOG_PRUNE_INTERVAL_MS: '200',
    });
    ({ platform, sql } = served);
  });

  afterAll(() => served?.stop());

  it('deletes rows and feedback older than the retention and keeps the rest', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(((await gql<{ predict: { id: string } }>(platform.url, PREDICT)).data as { predict: { id: string } }).predict.id);
    for (const id of ids) expect((await gql(platform.url, FEEDBACK, { id })).errors).toBeUndefined();
    const count = async (table: string, which: string[]) =>
      (
        await sql.query(
          `SELECT count(*)::int AS n FROM prediction.${table} WHERE ${table === 'feedback' ? 'prediction_id' : 'id'} = ANY($1::uuid[])`,
          [which],
        )
      ).rows[0].n as number;
    await until(
      'six logged predictions with feedback',
      async () => (await count('prediction_log', ids)) === 6 && (await count('feedback', ids)) === 6,
    );

    // Three predictions (and their feedback) age past the retention; one is just inside it.
    const [old, young] = [ids.slice(0, 3), ids.slice(3)];
    await sql.query(`UPDATE prediction.prediction_log SET created_at = now() - interval '8 days' WHERE id = ANY($1::uuid[])`, [old]);
    await sql.query(`UPDATE prediction.feedback SET created_at = now() - interval '8 days' WHERE prediction_id = ANY($1::uuid[])`, [old]);
    await sql.query(`UPDATE prediction.prediction_log SET created_at = now() - interval '6 days' WHERE id = $1::uuid`, [young[0]]);

    await until(
      'the aged rows to be pruned',
      async () => (await count('prediction_log', old)) === 0 && (await count('feedback', old)) === 0,
    );
    expect(await count('prediction_log', young)).toBe(3);
    expect(await count('feedback', young)).toBe(3);
    const metrics = await (await fetch(`http://127.0.0.1:${platform.ports.PREDICTION_PORT}/metrics`)).text();
    expect(metrics).toMatch(/modelplane_prediction_log_pruned_total\{[^}]*table="prediction\.prediction_log"[^}]*\} 3/);
  });
});
