import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { logisticModel } from '../support/onnx-models';
import { gql, startPlatform, type Platform } from '../support/processes';
import { serveNumericModel } from '../support/models';

/**
 * The prediction log holds at most PREDICTION_LOG_BUFFER rows in memory. When it is full the
 * prediction service refuses new predictions with OVERLOADED rather than serve answers it could
 * not log: nothing acknowledged is ever lost, and no request waits on the database.
 */
describe('a full prediction log buffer', () => {
  let db: TestDatabase;
  let platform: Platform;
  const model = logisticModel([0.3, -0.2], 0.1);

  beforeAll(async () => {
    db = await createTestDatabase('e2e_overload');
    platform = await startPlatform(db.url, undefined, { PREDICTION_LOG_BUFFER: '100' });
    await serveNumericModel(platform.url, 'busy', model.base64);
  });

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  it('refuses a batch it has no room to log with OVERLOADED, serves one that fits, and logs exactly what it served', async () => {
    const BATCH = 'query($rows: [JSONObject!]!) { predictBatch(model: "busy", rows: $rows) { id } }';
    const tooBig = await gql(platform.url, BATCH, { rows: Array(101).fill({ a: 1, b: 2 }) });
    expect(tooBig.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    const fits = await gql<{ predictBatch: Array<{ id: string }> }>(platform.url, BATCH, { rows: Array(50).fill({ a: 1, b: 2 }) });
    expect(fits.data?.predictBatch).toHaveLength(50);
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      for (let i = 0; i < 50; i++) {
        const { rows } = await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log');
        if (rows[0].n === 50) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM prediction.prediction_log');
      expect(rows[0].n).toBe(50);
    } finally {
      await sql.end();
    }
  });
});
